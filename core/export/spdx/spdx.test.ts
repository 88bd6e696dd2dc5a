import { describe, expect, it } from 'vitest';
import { assertValid } from '../../../test/helpers/format-validate.js';
import { component, imageReport } from '../report.test-helper.js';
import { buildSpdx } from './spdx.js';

type Doc = { documentNamespace: string; creationInfo: { created: string }; packages: { SPDXID: string; name: string; sourceInfo?: string }[] };

describe('spdx exporter', () => {
  const components = [component('pkg:npm/a@1.0.0', ['app/package-lock.json']), component('pkg:npm/a@1.0.0', ['web/package-lock.json']), component('pkg:npm/b@2.0.0')];

  it('gives each found copy of a package its own SPDX id, and says where it was recorded', () => {
    const doc = JSON.parse(JSON.stringify(buildSpdx(imageReport(components, []), {}))) as Doc;
    assertValid('spdx', JSON.stringify(doc));
    const ids = doc.packages.map((p) => p.SPDXID);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.packages.filter((p) => p.name === 'a').map((p) => p.sourceInfo)).toEqual(['recorded in app/package-lock.json', 'recorded in web/package-lock.json']);
  });

  it('derives the namespace from the target digest and the content; created is the context time or the epoch', () => {
    const report = imageReport(components, []);
    const doc = JSON.parse(JSON.stringify(buildSpdx(report, {}))) as Doc;
    expect(doc.documentNamespace).toMatch(new RegExp(`^https://stella-mesh\\.invalid/spdx/shop-web-2\\.1/${'e'.repeat(64)}-[0-9a-f]{16}$`));
    expect((JSON.parse(JSON.stringify(buildSpdx(structuredClone(report), {}))) as Doc).documentNamespace).toBe(doc.documentNamespace);
    expect((JSON.parse(JSON.stringify(buildSpdx(imageReport(components.slice(1), []), {}))) as Doc).documentNamespace).not.toBe(doc.documentNamespace);
    expect(doc.creationInfo.created).toBe('1970-01-01T00:00:00Z');
    expect((JSON.parse(JSON.stringify(buildSpdx(report, { timestamp: '2025-08-25T10:11:12.345+02:00' }))) as Doc).creationInfo.created).toBe('2025-08-25T08:11:12Z');
  });
});
