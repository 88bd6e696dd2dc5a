import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStellaError } from '../../errors.js';
import { sharedData } from '../../../test/helpers/paths.js';
import { isKevCatalog, parseKevCatalog, parseKevCatalogBytes } from './catalog.js';
import { compareCveIds } from './cve.js';
import { MAX_WARNINGS } from './entry.js';

const catalogPath = join(sharedData, 'kev', 'known_exploited_vulnerabilities.json');

const HEADER = { title: 'CISA Catalog of Known Exploited Vulnerabilities', catalogVersion: '2025.08.25', dateReleased: '2025-08-25T17:04:19.9796Z' };
const LOG4J = {
  cveID: 'CVE-2021-44228',
  vendorProject: 'Apache',
  product: 'Log4j2',
  vulnerabilityName: 'Apache Log4j2 Remote Code Execution Vulnerability',
  dateAdded: '2021-12-10',
  shortDescription: 'Apache Log4j2 contains a vulnerability.',
  requiredAction: 'Apply updates.',
  dueDate: '2021-12-24',
  knownRansomwareCampaignUse: 'Known',
  notes: '',
  cwes: ['CWE-20'],
};

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isStellaError(error)) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

describe('the real KEV catalog', () => {
  const { catalog, skipped, warnings } = parseKevCatalogBytes(readFileSync(catalogPath), 'kev.json');

  it('parses every vulnerability, keyed by CVE in CVE order', () => {
    expect(skipped).toBe(0);
    expect(warnings).toEqual([]);
    expect(catalog.catalogVersion).toBe('2025.08.25');
    expect(catalog.dateReleased).toBe('2025-08-25T17:04:19.9796Z');
    expect(catalog.entries.size).toBe(1404);
    const ids = [...catalog.entries.keys()];
    expect(ids).toEqual([...ids].sort(compareCveIds));
    expect(ids[0]).toBe('CVE-2002-0367');
    expect(ids.at(-1)).toBe('CVE-2025-54948');
    expect([...catalog.entries.values()].filter((e) => e.knownRansomwareCampaignUse === 'Known')).toHaveLength(293);
  });

  it('keeps the fields a finding needs, trimmed', () => {
    expect(catalog.entries.get('CVE-2021-44228')).toEqual({
      dateAdded: '2021-12-10',
      dueDate: '2021-12-24',
      knownRansomwareCampaignUse: 'Known',
      vendorProject: 'Apache',
      product: 'Log4j2',
      shortDescription:
        'Apache Log4j2 contains a vulnerability where JNDI features do not protect against attacker-controlled JNDI-related endpoints, allowing for remote code execution.',
    });
    // CISA wrote "SimpleHelp " and a description ending in a blank.
    expect(catalog.entries.get('CVE-2024-57727')?.vendorProject).toBe('SimpleHelp');
    expect(catalog.entries.get('CVE-2017-1000253')?.shortDescription?.endsWith('privileges.')).toBe(true);
  });

  it('keeps due dates that precede the date added (carried over from earlier directives)', () => {
    const early = [...catalog.entries].filter(([, e]) => e.dueDate < e.dateAdded).map(([id]) => id);
    expect(early).toHaveLength(15);
    expect(catalog.entries.get('CVE-2021-34527')).toMatchObject({ dateAdded: '2021-11-03', dueDate: '2021-07-20' });
  });

  it('is recognised by the sniffer', () => {
    expect(isKevCatalog(JSON.parse(readFileSync(catalogPath, 'utf8')))).toBe(true);
  });
});

describe('parseKevCatalog', () => {
  it('skips and counts malformed vulnerabilities and keeps the rest', () => {
    const bad = [
      'not an object',
      { ...LOG4J, cveID: 'CVE-2021-442' }, // too few digits
      { ...LOG4J, cveID: 'CVE-2022-0001', dateAdded: '2022-02-30' }, // no such day
      { ...LOG4J, cveID: 'CVE-2022-0002', dueDate: '2022/01/01' },
      { ...LOG4J, cveID: 'CVE-2022-0003', knownRansomwareCampaignUse: 'Maybe' },
      { ...LOG4J, cveID: 'CVE-2022-0004', vendorProject: '  ' },
      { ...LOG4J, cveID: 'CVE-2022-0005', product: 42 },
      { ...LOG4J, cveID: 'CVE-2022-0006', shortDescription: '\ud800' }, // lone surrogate
      { ...LOG4J, vendorProject: 'Apache (again)' }, // repeated CVE: the first wins
    ];
    const older = { ...LOG4J, cveID: 'CVE-2014-6271', knownRansomwareCampaignUse: undefined, shortDescription: undefined };
    const { catalog, skipped, warnings } = parseKevCatalog({ ...HEADER, count: 11, vulnerabilities: [LOG4J, ...bad, older] }, 'kev.json');
    expect([...catalog.entries.keys()]).toEqual(['CVE-2014-6271', 'CVE-2021-44228']);
    expect(catalog.entries.get('CVE-2021-44228')?.vendorProject).toBe('Apache');
    // Catalogs from before the ransomware field existed.
    expect(catalog.entries.get('CVE-2014-6271')).toEqual({ dateAdded: '2021-12-10', dueDate: '2021-12-24', knownRansomwareCampaignUse: 'Unknown', vendorProject: 'Apache', product: 'Log4j2' });
    expect(skipped).toBe(9);
    expect(warnings).toHaveLength(9);
    expect(warnings[0]).toBe('kev.json: vulnerabilities[1]: skipped: not an object');
    expect(warnings[2]).toBe('kev.json: vulnerabilities[3]: skipped: CVE-2022-0001: "dateAdded" "2022-02-30" is not a YYYY-MM-DD date');
    expect(warnings[8]).toBe('kev.json: vulnerabilities[9]: skipped: CVE-2021-44228 is listed twice');
  });

  it('warns when "count" disagrees with the list, without skipping anything', () => {
    const { skipped, warnings } = parseKevCatalog({ ...HEADER, count: 2, vulnerabilities: [LOG4J] }, 'kev.json');
    expect(skipped).toBe(0);
    expect(warnings).toEqual(['kev.json: "count" is 2 but the catalog lists 1 vulnerabilities']);
  });

  it('caps warnings but counts every skipped vulnerability', () => {
    const { skipped, warnings } = parseKevCatalog({ ...HEADER, vulnerabilities: Array.from({ length: 120 }, () => ({})) }, 'kev.json');
    expect(skipped).toBe(120);
    expect(warnings).toHaveLength(MAX_WARNINGS);
  });

  it('refuses a catalog that cannot be used as a whole', () => {
    const cases: [unknown, string][] = [
      [[], 'kev.json: not a KEV catalog (expected a JSON object)'],
      [{ ...HEADER }, 'kev.json: not a KEV catalog (no "vulnerabilities" list)'],
      [{ ...HEADER, catalogVersion: undefined, vulnerabilities: [] }, 'kev.json: missing or invalid "catalogVersion"'],
      [{ ...HEADER, catalogVersion: 'a b', vulnerabilities: [] }, 'kev.json: missing or invalid "catalogVersion"'],
      [{ ...HEADER, dateReleased: '2025-08-25', vulnerabilities: [] }, 'kev.json: missing or invalid "dateReleased" (expected an ISO 8601 date-time)'],
      [{ ...HEADER, vulnerabilities: {} }, 'kev.json: not a KEV catalog (no "vulnerabilities" list)'],
    ];
    for (const [json, message] of cases) expect(thrown(() => parseKevCatalog(json, 'kev.json'))).toMatchObject({ code: 'ADVISORY_INVALID', message });
  });

  it('refuses bytes that are not JSON, such as a truncated download', () => {
    const bytes = readFileSync(catalogPath).subarray(0, 5000);
    const error = thrown(() => parseKevCatalogBytes(bytes, 'kev.json'));
    expect(error.code).toBe('JSON_INVALID');
    expect(error.message).toMatch(/^kev\.json: not valid JSON \(/);
  });
});

describe('isKevCatalog', () => {
  it('tells a KEV catalog from other JSON', () => {
    expect(isKevCatalog({ catalogVersion: '2025.08.25', vulnerabilities: [] })).toBe(true);
    for (const json of [null, [], 'x', { id: 'GHSA-xxxx', modified: '2024-01-01T00:00:00Z' }, { catalogVersion: 1, vulnerabilities: [] }, { catalogVersion: 'x' }]) {
      expect(isKevCatalog(json), JSON.stringify(json)).toBe(false);
    }
  });
});
