import { describe, expect, it } from 'vitest';
import { assertValid } from '../../../test/helpers/format-validate.js';
import { component, finding, imageReport } from '../report.test-helper.js';
import { buildSarif } from './sarif.js';
import type { Finding } from '../../model/report.js';
import { FINGERPRINT_KEY, type SarifResult } from './results.js';
import { sarifLevel, type SarifRule } from './rules.js';

const layer1 = `sha256:${'2'.repeat(64)}`;

function run(report: ReturnType<typeof imageReport>): { rules: SarifRule[]; results: SarifResult[] } {
  const log = buildSarif(report) as { runs: { tool: { driver: { rules: SarifRule[] } }; results: SarifResult[] }[] };
  assertValid('sarif', JSON.stringify(log));
  const [first] = log.runs;
  if (first === undefined) throw new TypeError('no run');
  return { rules: first.tool.driver.rules, results: first.results };
}

describe('sarif exporter', () => {
  it('maps levels: CRITICAL and HIGH are errors, MEDIUM a warning, LOW and UNKNOWN notes', () => {
    expect((['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const).map(sarifLevel)).toEqual(['error', 'error', 'warning', 'note', 'note']);
  });

  it('writes one rule per advisory, rated by its worst finding, with help text GitHub shows', () => {
    const cvss = [{ type: 'CVSS_V3', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 }];
    const report = imageReport(
      [component('pkg:npm/a@1.0.0', ['app/package-lock.json']), component('pkg:npm/b@2.0.0', ['app/package-lock.json'])],
      [
        finding('GHSA-aaaa-bbbb-cccc', 'pkg:npm/a@1.0.0', { aliases: ['CVE-2024-1111'], fixed: '1.0.1', summary: 'Prototype pollution in a', severity: { level: 'CRITICAL', source: 'cvss', cvss } }),
        finding('GHSA-aaaa-bbbb-cccc', 'pkg:npm/b@2.0.0', { severity: { level: 'MEDIUM', source: 'database', cvss: [] }, kev: { dateAdded: '2024-02-02', dueDate: '2024-02-23', knownRansomwareCampaignUse: 'Unknown' } }),
      ],
    );
    const { rules, results } = run(report);
    expect(rules).toHaveLength(1);
    const [rule] = rules;
    expect(rule).toMatchObject({ id: 'GHSA-aaaa-bbbb-cccc', shortDescription: { text: 'Prototype pollution in a' }, defaultConfiguration: { level: 'error' }, helpUri: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc' });
    expect(rule?.properties).toEqual({ 'security-severity': '9.8', tags: ['security', 'vulnerability', 'critical', 'known-exploited'], precision: 'very-high' });
    for (const part of ['Prototype pollution in a', 'Aliases: CVE-2024-1111', 'a 1.0.0: fixed in 1.0.1', 'b 2.0.0: no fixed version known', 'CISA KEV since 2024-02-02', 'https://nvd.nist.gov/vuln/detail/CVE-2024-1111']) {
      expect(rule?.help.text).toContain(part);
    }
    expect(rule?.help.markdown).toContain('| a | 1.0.0 | 1.0.1 |');
    expect(results.map((r) => [r.ruleIndex, r.level])).toEqual([[0, 'error'], [0, 'warning']]);
  });

  it('gives a database-rated level a score inside its band when the CVSS score falls outside it', () => {
    const report = imageReport([], [finding('GHSA-x', 'pkg:npm/a@1.0.0', { severity: { level: 'HIGH', source: 'database', cvss: [{ type: 'CVSS_V3', vector: 'v', score: 5.3 }] } })]);
    expect(run(report).rules[0]?.properties['security-severity']).toBe('8.0');
    const unknown = imageReport([], [finding('GHSA-y', 'pkg:npm/a@1.0.0', { severity: { level: 'UNKNOWN', source: 'none', cvss: [] } })]);
    expect(run(unknown).rules[0]?.properties['security-severity']).toBeUndefined();
  });

  it('locates a finding at the lockfile before installed manifests, with its layer; the target when no file is known', () => {
    const report = imageReport(
      [component('pkg:npm/%40s/a@1.0.0', ['app/node_modules/@s/a/package.json', 'app/package-lock.json'], { layer: layer1 }), component('pkg:deb/debian/libc6@2.36?arch=amd64')],
      [finding('GHSA-1', 'pkg:npm/%40s/a@1.0.0'), finding('CVE-2024-2', 'pkg:deb/debian/libc6@2.36?arch=amd64')],
    );
    const { results } = run(report);
    const npm = results.find((r) => r.ruleId === 'GHSA-1');
    expect(npm?.locations.map((l) => l.physicalLocation.artifactLocation.uri)).toEqual(['app/package-lock.json', 'app/node_modules/%40s/a/package.json']);
    expect(npm?.locations[0]?.properties).toEqual({ layer: layer1, layerIndex: 1 });
    expect(results.find((r) => r.ruleId === 'CVE-2024-2')?.locations[0]?.physicalLocation.artifactLocation.uri).toBe('shop/web%3A2.1');
  });

  it('keeps partialFingerprints stable across runs and upgrades that stay vulnerable, and apart for other advisories or files', () => {
    const at = (purl: string, id: string, file: string): string => {
      const { results } = run(imageReport([component(purl, [file])], [finding(id, purl)]));
      return results[0]?.partialFingerprints[FINGERPRINT_KEY] ?? '';
    };
    const base = at('pkg:npm/a@1.0.0', 'GHSA-1', 'app/package-lock.json');
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(at('pkg:npm/a@1.0.0', 'GHSA-1', 'app/package-lock.json')).toBe(base);
    expect(at('pkg:npm/a@1.0.5', 'GHSA-1', 'app/package-lock.json')).toBe(base);
    expect(at('pkg:npm/a@1.0.0', 'GHSA-2', 'app/package-lock.json')).not.toBe(base);
    expect(at('pkg:npm/a@1.0.0', 'GHSA-1', 'web/package-lock.json')).not.toBe(base);
  });

  it('suppresses a finding a VEX statement rules out, and keeps it as a result', () => {
    const ruled: Finding = { ...finding('GHSA-1', 'pkg:npm/a@1.0.0'), status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' };
    const { results } = run(imageReport([component('pkg:npm/a@1.0.0', ['package-lock.json'])], [ruled]));
    expect(results[0]?.suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: 'vulnerable_code_not_in_execute_path' }]);
    expect(results[0]?.properties['vexStatus']).toBe('not_affected');
  });
});
