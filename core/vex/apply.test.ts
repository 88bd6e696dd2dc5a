/**
 * Applying statements: the purl rule, image digests, subcomponents, CSAF
 * relationships, aliases both ways, the conflict rule, and unmatched
 * statements handed back.
 */
import { describe, expect, it } from 'vitest';
import { component, finding, imageReport } from '../export/report.test-helper.js';
import type { Report } from '../model/report.js';
import { parsePurl } from '../purl/parse.js';
import { applyVex } from './apply.js';
import { productFromId, purlMatches } from './product.js';
import { defaultVexFormats } from './registry.js';
import type { VexStatement } from './statement.js';

const DEB = 'pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12';
const report: Report = imageReport(
  [component('pkg:npm/qs@6.5.2'), component('pkg:npm/express@4.17.1'), component(DEB)],
  [
    finding('GHSA-hrpp-h998-j3pp', 'pkg:npm/qs@6.5.2', { aliases: ['CVE-2022-24999'] }),
    finding('CVE-2023-5678', DEB),
    finding('CVE-2023-0001', 'pkg:npm/express@4.17.1'),
  ],
);
const DIGEST = report.target.digest;

const statement = (id: string, products: string[], extra: Partial<VexStatement> = {}): VexStatement => ({
  vulnerability: { id, aliases: [] },
  products: products.map(productFromId),
  status: 'not_affected',
  justification: 'vulnerable_code_not_present',
  timestamp: '2024-01-01T00:00:00.000000000Z',
  source: `vex/test.json#${id}`,
  ...extra,
});

const statusOf = (applied: Report, id: string): string | undefined => applied.findings.find((f) => f.id === id)?.status;

describe('the purl rule', () => {
  it.each([
    ['pkg:deb/debian/openssl', true, 'no version: every version'],
    ['pkg:deb/debian/openssl@3.0.11-1~deb12u2', true, 'the same version, qualifiers left out'],
    ['pkg:deb/debian/openssl@3.0.11-1%7Edeb12u2', true, 'the same version, percent-encoded'],
    ['pkg:deb/debian/openssl?arch=amd64', true, 'a qualifier the package has'],
    ['pkg:deb/debian/openssl?arch=arm64', false, 'a qualifier with another value'],
    ['pkg:deb/debian/openssl?repository_url=x', false, 'a qualifier the package lacks'],
    ['pkg:deb/debian/openssl@3.0.11-1~deb12u1', false, 'another version'],
    ['pkg:deb/ubuntu/openssl', false, 'another namespace'],
    ['pkg:rpm/debian/openssl', false, 'another type'],
    ['pkg:deb/debian/libssl3', false, 'another name'],
  ])('%s → %s (%s)', (pattern, expected) => {
    expect(purlMatches(parsePurl(pattern), parsePurl(DEB))).toBe(expected);
  });

  it('reads image digests from pkg:oci purls, bare digests and references; anything else never matches', () => {
    const hex = 'a'.repeat(64);
    expect(productFromId(`pkg:oci/nginx@sha256%3A${hex}?repository_url=docker.io/library/nginx`)).toEqual({ $case: 'image', digest: `sha256:${hex}` });
    expect(productFromId(`sha256:${hex}`)).toEqual({ $case: 'image', digest: `sha256:${hex}` });
    expect(productFromId(`registry.example/app@sha256:${hex}`)).toEqual({ $case: 'image', digest: `sha256:${hex}` });
    expect(productFromId('cpe:/a:openssl:openssl:3.0.11')).toEqual({ $case: 'other', id: 'cpe:/a:openssl:openssl:3.0.11' });
    expect(productFromId('pkg:npm/@@bad@@')).toMatchObject({ $case: 'other' });
  });
});

describe('applyVex', () => {
  it('sets status, justification, statements and source on the findings a statement matches, and leaves the input alone', () => {
    const before = JSON.stringify(report);
    const applied = applyVex(report, [statement('CVE-2023-5678', ['pkg:deb/debian/openssl'], { impactStatement: 'not reachable', actionStatement: 'none needed' })]);
    expect(applied.decided).toBe(1);
    expect(applied.report.findings[1]).toMatchObject({ status: 'not_affected', justification: 'vulnerable_code_not_present', impactStatement: 'not reachable', actionStatement: 'none needed', statusSource: 'vex/test.json#CVE-2023-5678' });
    expect(applied.report.findings[0]?.status).toBeUndefined();
    expect(JSON.stringify(report)).toBe(before);
  });

  it('honours aliases both ways: a CVE statement reaches the GHSA finding aliasing it, and a GHSA statement the finding it aliases', () => {
    expect(statusOf(applyVex(report, [statement('CVE-2022-24999', ['pkg:npm/qs'])]).report, 'GHSA-hrpp-h998-j3pp')).toBe('not_affected');
    expect(statusOf(applyVex(report, [statement('ghsa-hrpp-h998-j3pp', ['pkg:npm/qs'])]).report, 'GHSA-hrpp-h998-j3pp')).toBe('not_affected');
    const viaStatementAlias = statement('SNYK-JS-QS-3153490', ['pkg:npm/qs'], { vulnerability: { id: 'SNYK-JS-QS-3153490', aliases: ['CVE-2022-24999'] } });
    expect(statusOf(applyVex(report, [viaStatementAlias]).report, 'GHSA-hrpp-h998-j3pp')).toBe('not_affected');
    expect(statusOf(applyVex(report, [statement('CVE-2099-0001', ['pkg:npm/qs'])]).report, 'GHSA-hrpp-h998-j3pp')).toBeUndefined();
  });

  it('matches the target by digest, and subcomponents only inside the target', () => {
    expect(statusOf(applyVex(report, [statement('CVE-2023-0001', [DIGEST])]).report, 'CVE-2023-0001')).toBe('not_affected');
    expect(statusOf(applyVex(report, [statement('CVE-2023-0001', [`sha256:${'f'.repeat(64)}`])]).report, 'CVE-2023-0001')).toBeUndefined();
    const inside = (digest: string): VexStatement => ({ ...statement('CVE-2023-0001', []), products: [{ $case: 'within', product: [productFromId(digest)], components: [productFromId('pkg:npm/express')] }] });
    expect(statusOf(applyVex(report, [inside(DIGEST)]).report, 'CVE-2023-0001')).toBe('not_affected');
    expect(statusOf(applyVex(report, [inside(`sha256:${'f'.repeat(64)}`)]).report, 'CVE-2023-0001')).toBeUndefined();
  });

  it('counts statements that match nothing and hands them back', () => {
    const unmatched = [statement('CVE-2023-5678', ['pkg:deb/debian/libssl3']), statement('CVE-2099-1', ['pkg:npm/qs']), statement('CVE-2023-0001', ['nginx'])];
    const applied = applyVex(report, [statement('CVE-2023-0001', ['pkg:npm/express@4.17.1']), ...unmatched]);
    expect(applied.decided).toBe(1);
    expect(applied.unmatched).toEqual(unmatched);
  });

  describe('conflicts', () => {
    const at = (time: string, status: VexStatement['status'], products = ['pkg:npm/express'], source = `vex/${status}.json`): VexStatement =>
      statement('CVE-2023-0001', products, { status, timestamp: time, source, ...(status === 'not_affected' ? {} : { justification: undefined }) });
    const winner = (...statements: VexStatement[]): string | undefined => applyVex(report, statements).report.findings[2]?.statusSource;

    it('the most recent statement wins, in whatever order they come', () => {
      const older = at('2024-01-01T00:00:00.000000000Z', 'affected');
      const newer = at('2024-02-01T00:00:00.000000000Z', 'fixed');
      expect(winner(older, newer)).toBe('vex/fixed.json');
      expect(winner(newer, older)).toBe('vex/fixed.json');
    });

    it('a statement without a time (CycloneDX) loses to any with one', () => {
      const timeless = { ...at('', 'not_affected'), timestamp: undefined };
      expect(winner(timeless, at('1999-01-01T00:00:00.000000000Z', 'affected'))).toBe('vex/affected.json');
    });

    it('at the same time, the more specific product wins, then the more cautious status, then the source name', () => {
      const time = '2024-01-01T00:00:00.000000000Z';
      expect(winner(at(time, 'affected', [DIGEST]), at(time, 'not_affected', ['pkg:npm/express@4.17.1']))).toBe('vex/not_affected.json');
      expect(winner(at(time, 'not_affected'), at(time, 'under_investigation'), at(time, 'fixed'))).toBe('vex/under_investigation.json');
      expect(winner(at(time, 'fixed', undefined, 'vex/b.json'), at(time, 'fixed', undefined, 'vex/a.json'))).toBe('vex/a.json');
    });

    it('OpenVEX history: the later statement of one document wins', () => {
      const doc = {
        '@context': 'https://openvex.dev/ns/v0.2.0', '@id': 'x', author: 'a', timestamp: '2024-01-01T00:00:00Z', version: 1,
        statements: [
          { vulnerability: { name: 'CVE-2023-0001' }, products: [{ '@id': 'pkg:npm/express' }], status: 'under_investigation', timestamp: '2024-01-01T00:00:00Z' },
          { vulnerability: { name: 'CVE-2023-0001' }, products: [{ '@id': 'pkg:npm/express' }], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path', timestamp: '2024-03-01T00:00:00Z' },
        ],
      };
      const read = defaultVexFormats.read({ name: 'vex/history.json', bytes: new TextEncoder().encode(JSON.stringify(doc)) });
      const applied = applyVex(report, [...read.statements].reverse());
      expect(applied.report.findings[2]).toMatchObject({ status: 'not_affected', statusSource: 'vex/history.json#1' });
      expect(applied.unmatched).toEqual([]);
    });
  });

  it('a CSAF relationship applies only when its platform is the target', () => {
    const csaf = (platformPurl: string): VexStatement[] => {
      const doc = {
        document: { category: 'csaf_vex', csaf_version: '2.0', tracking: { current_release_date: '2024-01-01T00:00:00Z' } },
        product_tree: {
          full_product_names: [
            { product_id: 'APP', name: 'app', product_identification_helper: { purl: platformPurl } },
            { product_id: 'QS', name: 'qs', product_identification_helper: { purl: 'pkg:npm/qs@6.5.2' } },
          ],
          relationships: [{ category: 'default_component_of', product_reference: 'QS', relates_to_product_reference: 'APP', full_product_name: { product_id: 'QS-IN-APP', name: 'qs in app' } }],
        },
        vulnerabilities: [{ cve: 'CVE-2022-24999', product_status: { known_not_affected: ['QS-IN-APP'] }, flags: [{ label: 'vulnerable_code_not_in_execute_path', product_ids: ['QS-IN-APP'] }] }],
      };
      return defaultVexFormats.read({ name: 'vex/app.csaf.json', bytes: new TextEncoder().encode(JSON.stringify(doc)) }).statements;
    };
    expect(statusOf(applyVex(report, csaf(`pkg:oci/app@${DIGEST.replace(':', '%3A')}`)).report, 'GHSA-hrpp-h998-j3pp')).toBe('not_affected');
    expect(statusOf(applyVex(report, csaf('pkg:npm/express@4.17.1')).report, 'GHSA-hrpp-h998-j3pp')).toBe('not_affected');
    expect(statusOf(applyVex(report, csaf(`pkg:oci/other@sha256%3A${'f'.repeat(64)}`)).report, 'GHSA-hrpp-h998-j3pp')).toBeUndefined();
  });
});
