import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nvdConnector } from './connector.js';
import { parseNvdCveJson } from './cve-json.js';
import { formatNvdTable, NVD_FEED_PATH, parseNvdTable } from './table.js';

/** The real NVD records kept under testdata/ (provenance in testdata/NOTICE), wrapped in an API 2.0 response. */
const record = (cve: string): unknown => JSON.parse(readFileSync(new URL(`testdata/${cve}.json`, import.meta.url), 'utf8'));
const response = (items: unknown[]): Uint8Array =>
  new TextEncoder().encode(JSON.stringify({ resultsPerPage: items.length, startIndex: 0, totalResults: items.length, format: 'NVD_CVE', version: '2.0', timestamp: '2025-02-13T00:00:00.000', vulnerabilities: items }));
const ALL = ['CVE-2025-0108', 'CVE-2014-1829', 'CVE-2024-3400', 'CVE-2023-32681'];

describe('NVD CVE JSON 2.0', () => {
  it('keeps one vector per CVE and CVSS version, NVD Primary before the CNA Secondary, in CVE order', () => {
    const { file, rows, warnings } = nvdConnector.table({ name: 'nvd.json', bytes: response(ALL.map((cve) => ({ cve: record(cve) }))) });
    expect(warnings).toEqual([]);
    expect(rows).toBe(4);
    expect(new TextDecoder().decode(file)).toBe(
      [
        '# stella.nvd-cvss/v1',
        'CVE-2014-1829\tCVSS_V2\tPrimary\tAV:N/AC:L/Au:N/C:P/I:N/A:N',
        'CVE-2023-32681\tCVSS_V3\tPrimary\tCVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N',
        'CVE-2024-3400\tCVSS_V3\tSecondary\tCVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
        'CVE-2025-0108\tCVSS_V4\tSecondary\tCVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X/S:X/AU:N/R:U/V:C/RE:M/U:Amber',
        '',
      ].join('\n'),
    );
    expect(parseNvdTable(file, NVD_FEED_PATH).rows.map((row) => row.cve)).toEqual(['CVE-2014-1829', 'CVE-2023-32681', 'CVE-2024-3400', 'CVE-2025-0108']);
  });

  it('recognises the API response by content, and refuses a lone CVE record and KEV', () => {
    expect(nvdConnector.recognise(response([{ cve: record('CVE-2024-3400') }]).subarray(0, 4096))).toBe(true);
    expect(nvdConnector.recognise(new TextEncoder().encode(JSON.stringify({ vulnerabilities: [{ cve: { id: 'CVE-2024-3400' } }] })))).toBe(true);
    expect(nvdConnector.recognise(readFileSync(new URL('testdata/CVE-2024-3400.json', import.meta.url)))).toBe(false);
    expect(nvdConnector.recognise(new TextEncoder().encode('{"catalogVersion":"1","vulnerabilities":[{"cveID":"CVE-2024-3400"}]}'))).toBe(false);
  });

  it('skips bad parts with a warning naming the source and goes on', () => {
    const cve = record('CVE-2023-32681') as { metrics: Record<string, unknown> };
    const broken = { ...cve, id: 'CVE-2023-99999', metrics: { cvssMetricV31: [{ type: 'Primary', cvssData: { vectorString: 'AV:N/AC:L/Au:N/C:P/I:N/A:N' } }], cvssMetricV2: 'x' } };
    const parsed = parseNvdCveJson(response([{ cve: { id: 'not-a-cve' } }, { cve }, { cve }, { cve: broken }, 7]), 'feed.json');
    expect(parsed.rows.map((row) => row.cve)).toEqual(['CVE-2023-32681']);
    expect(parsed.cves).toBe(2);
    expect(parsed.warnings).toEqual([
      'feed.json: vulnerabilities[0] has no valid cve.id; skipped',
      'feed.json: CVE-2023-32681 appears twice; the first is kept',
      'feed.json: CVE-2023-99999: a cvssMetricV31 entry has no valid CVSS_V3 vector; skipped',
      'feed.json: CVE-2023-99999: cvssMetricV2 is not a list; skipped',
      'feed.json: vulnerabilities[4] has no valid cve.id; skipped',
    ]);
  });

  it('refuses a source that is not NVD JSON, naming it', () => {
    expect(() => parseNvdCveJson(new TextEncoder().encode('{"vulnerabilities": {}}'), 'x.json')).toThrow(expect.objectContaining({ code: 'ADVISORY_INVALID', message: expect.stringContaining('x.json') }));
    expect(() => parseNvdCveJson(new TextEncoder().encode('{'), 'y.json')).toThrow(expect.objectContaining({ code: 'JSON_INVALID', message: expect.stringContaining('y.json') }));
  });

  it('reads back only tables it wrote', () => {
    expect(parseNvdTable(new TextEncoder().encode(formatNvdTable([])), NVD_FEED_PATH).rows).toEqual([]);
    expect(() => parseNvdTable(new TextEncoder().encode('# stella.nvd-cvss/v1\nCVE-2024-1\tCVSS_V3\tPrimary\tx\n'), NVD_FEED_PATH)).toThrow(expect.objectContaining({ message: expect.stringContaining('line 2') }));
    expect(() => parseNvdTable(new TextEncoder().encode('cve,epss\n'), NVD_FEED_PATH)).toThrow(expect.objectContaining({ code: 'ADVISORY_INVALID' }));
  });
});
