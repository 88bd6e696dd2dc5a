/**
 * Documents that must be refused, each with a one-line message naming the
 * file and the problem: unknown status, a missing required timestamp,
 * malformed JSON, an unknown format, and the other rules each spec sets.
 */
import { describe, expect, it } from 'vitest';
import { defaultVexFormats } from './registry.js';

const openvex = (statement: Record<string, unknown>, document: Record<string, unknown> = {}): unknown => ({
  '@context': 'https://openvex.dev/ns/v0.2.0',
  '@id': 'https://example.com/vex/1',
  author: 'Example',
  timestamp: '2024-01-02T03:04:05Z',
  version: 1,
  statements: [{ vulnerability: { name: 'CVE-2022-24999' }, products: [{ '@id': 'pkg:npm/qs@6.5.2' }], status: 'fixed', ...statement }],
  ...document,
});

const cyclonedx = (analysis: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown => ({
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  version: 1,
  vulnerabilities: [{ id: 'CVE-2022-24999', analysis, affects: [{ ref: 'pkg:npm/qs@6.5.2' }] }],
  ...extra,
});

const csaf = (vulnerability: Record<string, unknown>, tracking: Record<string, unknown> = { current_release_date: '2024-01-02T03:04:05Z' }): unknown => ({
  document: { category: 'csaf_vex', csaf_version: '2.0', tracking },
  product_tree: { full_product_names: [{ product_id: 'P1', name: 'qs', product_identification_helper: { purl: 'pkg:npm/qs@6.5.2' } }] },
  vulnerabilities: [{ cve: 'CVE-2022-24999', ...vulnerability }],
});

const { timestamp: _drop, ...openvexWithoutTime } = openvex({}) as Record<string, unknown>;

const cases: Array<[string, unknown, RegExp]> = [
  ['OpenVEX: unknown status', openvex({ status: 'probably_fine' }), /statement 0 \(CVE-2022-24999\): unknown status "probably_fine"/],
  ['OpenVEX: no timestamp anywhere', openvexWithoutTime, /statement 0 \(CVE-2022-24999\): no timestamp, and the document has none to inherit/],
  ['OpenVEX: a timestamp that is not one', openvex({ timestamp: 'last Tuesday' }), /statement 0: timestamp "last Tuesday" is not an RFC 3339 date-time/],
  ['OpenVEX: unknown justification', openvex({ status: 'not_affected', justification: 'trust_me' }), /unknown justification "trust_me"/],
  ['OpenVEX: not_affected without a reason', openvex({ status: 'not_affected' }), /not_affected needs a justification or an impact_statement/],
  ['OpenVEX: no products', openvex({ products: [] }), /names no product/],
  ['OpenVEX: no vulnerability', openvex({ vulnerability: {} }), /statement 0: no vulnerability name/],
  ['OpenVEX: an unknown version', openvex({}, { '@context': 'https://openvex.dev/ns/v9.9.9' }), /OpenVEX 9\.9\.9 is not supported/],
  ['OpenVEX: no statements', openvex({}, { statements: [] }), /holds no statements/],
  ['CycloneDX: unknown state', cyclonedx({ state: 'fine' }), /vulnerabilities\[0\] \(CVE-2022-24999\): unknown analysis\.state "fine"/],
  ['CycloneDX: unknown justification', cyclonedx({ state: 'not_affected', justification: 'vibes' }), /unknown analysis\.justification "vibes"/],
  ['CycloneDX: a time that is not one', cyclonedx({ state: 'resolved', lastUpdated: 'soon' }), /lastUpdated "soon" is not a date-time/],
  ['CycloneDX: spec 1.3', cyclonedx({ state: 'resolved' }, { specVersion: '1.3' }), /specVersion "1\.3" is not supported for VEX/],
  ['CycloneDX: no analysis anywhere', cyclonedx({}), /no vulnerability carries an analysis\.state/],
  ['CSAF: no current_release_date', csaf({ product_status: { fixed: ['P1'] } }, {}), /no document\.tracking\.current_release_date \(CSAF requires it\)/],
  ['CSAF: unknown product status', csaf({ product_status: { probably_fine: ['P1'] } }), /vulnerabilities\[0\] \(CVE-2022-24999\): unknown product_status "probably_fine"/],
  ['CSAF: a product the tree does not hold', csaf({ product_status: { fixed: ['P9'] } }), /product "P9" is not in the product tree/],
  ['CSAF: not affected without flag or impact', csaf({ product_status: { known_not_affected: ['P1'] } }), /has neither a flag nor an impact threat/],
  ['CSAF: affected without remediation', csaf({ product_status: { known_affected: ['P1'] } }), /has no remediation/],
  ['CSAF: unknown flag label', csaf({ product_status: { known_not_affected: ['P1'] }, flags: [{ label: 'nope', product_ids: ['P1'] }] }), /unknown flag label "nope"/],
  ['CSAF: not the VEX profile', { ...(csaf({}) as Record<string, unknown>), document: { category: 'csaf_base', csaf_version: '2.0', tracking: {} } }, /document\.category "csaf_base" is not csaf_vex/],
];

describe('refused VEX documents', () => {
  it.each(cases)('%s', (_label, document, reason) => {
    const bytes = new TextEncoder().encode(JSON.stringify(document));
    expect(() => defaultVexFormats.read({ name: 'vex/bad.json', bytes })).toThrow(
      expect.objectContaining({ code: 'VEX_INVALID', message: expect.stringMatching(new RegExp(`^vex/bad\\.json: [^\\n]*${reason.source}`)) }),
    );
  });

  it('malformed JSON of a recognised format names the file and the problem', () => {
    const bytes = new TextEncoder().encode('{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [}');
    expect(() => defaultVexFormats.read({ name: 'vex/broken.json', bytes })).toThrow(expect.objectContaining({ code: 'JSON_INVALID', message: expect.stringMatching(/^vex\/broken\.json: malformed JSON: [^\n]*is not valid JSON/) }));
  });

  it('an unknown format names the file and what it is not', () => {
    const bytes = new TextEncoder().encode('{"spdxVersion": "SPDX-2.3"}');
    expect(() => defaultVexFormats.read({ name: 'sbom.spdx.json', bytes })).toThrow(expect.objectContaining({ code: 'VEX_INVALID', message: expect.stringMatching(/^sbom\.spdx\.json: unknown format: not OpenVEX/) }));
  });

  it('statements inherit the OpenVEX document time, and their own wins; offsets are normalised to UTC', () => {
    const read = (doc: unknown): string | undefined => defaultVexFormats.read({ name: 'a.json', bytes: new TextEncoder().encode(JSON.stringify(doc)) }).statements[0]?.timestamp;
    expect(read(openvex({}))).toBe('2024-01-02T03:04:05.000000000Z');
    expect(read(openvex({ timestamp: '2023-08-15T19:55:22.076684217-06:00' }))).toBe('2023-08-16T01:55:22.076684217Z');
    expect(read(openvex({ timestamp: '2023-01-01T00:00:00Z', last_updated: '2023-06-01T00:00:00Z' }))).toBe('2023-06-01T00:00:00.000000000Z');
    expect(read({ ...(openvexWithoutTime as object), statements: [{ vulnerability: 'CVE-1', products: ['pkg:npm/a'], status: 'fixed', timestamp: '2022-12-22T16:36:43-05:00' }] })).toBe('2022-12-22T21:36:43.000000000Z');
  });
});
