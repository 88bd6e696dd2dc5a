import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStellaError } from '../../errors.js';
import { sharedData } from '../../../test/helpers/paths.js';
import { parseKevCatalog, parseKevCatalogBytes } from './catalog.js';
import { formatKevLines, KEV_LINES_TYPE, parseKevLines } from './lines.js';

const catalogPath = join(sharedData, 'kev', 'known_exploited_vulnerabilities.json');

describe('the KEV line format', () => {
  const { catalog } = parseKevCatalogBytes(readFileSync(catalogPath), 'kev.json');
  const text = formatKevLines(catalog);

  it('writes a header and one canonical line per CVE, in CVE order', () => {
    const lines = text.split('\n');
    expect(lines).toHaveLength(1404 + 2); // header, entries, and the empty string after the final newline
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe(`{"catalogVersion":"2025.08.25","count":1404,"dateReleased":"2025-08-25T17:04:19.9796Z","type":"${KEV_LINES_TYPE}"}`);
    expect(lines[1]).toBe(
      '{"cveID":"CVE-2002-0367","dateAdded":"2022-03-03","dueDate":"2022-03-24","knownRansomwareCampaignUse":"Unknown","product":"Windows",' +
        '"shortDescription":"smss.exe debugging subsystem in Microsoft Windows does not properly authenticate programs that connect to other programs, ' +
        'which allows local users to gain administrator or SYSTEM privileges.","vendorProject":"Microsoft"}',
    );
    // CVE order, not string order: the 7-digit number comes after the 4-digit ones of 2017.
    const ids = lines.slice(1, -1).map((line) => (JSON.parse(line) as { cveID: string }).cveID);
    expect(ids.indexOf('CVE-2017-9841')).toBeLessThan(ids.indexOf('CVE-2017-1000253'));
  });

  it('reads back to the same catalog, and the same catalog gives the same bytes', () => {
    const back = parseKevLines(new TextEncoder().encode(text), 'feeds/kev/catalog.jsonl');
    expect(back.skipped).toBe(0);
    expect(back.warnings).toEqual([]);
    expect(back.catalog).toEqual(catalog);
    expect(formatKevLines(back.catalog)).toBe(text);
    // Input order does not matter.
    const json = JSON.parse(readFileSync(catalogPath, 'utf8')) as { vulnerabilities: unknown[] };
    json.vulnerabilities.reverse();
    expect(formatKevLines(parseKevCatalog(json, 'reversed').catalog)).toBe(text);
  });

  it('skips and counts truncated and invalid lines', () => {
    const lines = text.split('\n');
    lines[2] = (lines[2] ?? '').slice(0, 40); // truncated
    lines[3] = (lines[3] ?? '').replace(/"dateAdded":"\d{4}-\d{2}-\d{2}"/, '"dateAdded":"yesterday"');
    const { catalog, skipped, warnings } = parseKevLines(lines.join('\n'), 'catalog.jsonl');
    expect(catalog.entries.size).toBe(1402);
    expect(skipped).toBe(2);
    expect(warnings[0]).toBe('catalog.jsonl:3: skipped: not a JSON line');
    expect(warnings[1]).toMatch(/^catalog\.jsonl: line 4: skipped: CVE-\d+-\d+: "dateAdded" "yesterday" is not a YYYY-MM-DD date$/);
  });

  it('refuses a file without its header line', () => {
    for (const input of ['', text.split('\n').slice(1).join('\n'), '{"type":"stella.kev-catalog/v0"}\n']) {
      let error: unknown;
      try {
        parseKevLines(input, 'catalog.jsonl');
      } catch (e) {
        error = e;
      }
      expect(isStellaError(error) && error.code).toBe('ADVISORY_INVALID');
      expect((error as Error).message).toMatch(/^catalog\.jsonl:1: not a KEV catalog file/);
    }
  });
});
