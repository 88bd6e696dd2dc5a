import { describe, expect, it } from 'vitest';
import { finding, imageReport } from '../report.test-helper.js';
import { activeIgnores, parseIgnoreFile } from './ignore-file.js';
import { selectFindings } from './select.js';

describe('ignore file', () => {
  it('reads ids, comments, blank lines and expiries like .trivyignore', () => {
    const list = parseIgnoreFile('# waivers\r\n\nCVE-2024-1\nGHSA-aaaa-bbbb-cccc exp:2025-06-30  # until the upgrade\n  PYSEC-2020-1  \n', '.stellaignore');
    expect(list.entries).toEqual([
      { id: 'CVE-2024-1', line: 3 },
      { id: 'GHSA-aaaa-bbbb-cccc', expires: '2025-06-30', line: 4 },
      { id: 'PYSEC-2020-1', line: 5 },
    ]);
  });

  it('applies an entry until the start of its expiry day (UTC), then reports it as expired', () => {
    const list = parseIgnoreFile('CVE-2024-1 exp:2025-06-30\nCVE-2024-2\n', 'f');
    expect([...activeIgnores(list, new Date('2025-06-29T23:59:59Z')).ids]).toEqual(['CVE-2024-1', 'CVE-2024-2']);
    const later = activeIgnores(list, new Date('2025-06-30T00:00:00Z'));
    expect([...later.ids]).toEqual(['CVE-2024-2']);
    expect(later.expired).toEqual([{ id: 'CVE-2024-1', expires: '2025-06-30', line: 1 }]);
  });

  it.each([
    ['CVE-2024-1 exp:2025-02-30', /f:1: 'exp:2025-02-30' is not an expiry/],
    ['CVE-2024-1 until:2025-01-01', /f:1: 'until:2025-01-01' is not an expiry/],
    ['CVE-2024-1 exp:2025-01-01 extra', /f:1: expected 'ID \[exp:YYYY-MM-DD\]', found 3 words/],
    ['\n"CVE-2024-1"', /f:2: '"CVE-2024-1"' is not an advisory id/],
  ])('refuses %j naming the file and line', (text, message) => {
    expect(() => parseIgnoreFile(text, 'f')).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(message) as unknown }));
  });
});

describe('selectFindings', () => {
  const kev = { dateAdded: '2024-01-01', dueDate: '2024-01-22', knownRansomwareCampaignUse: 'Unknown' } as const;
  const report = imageReport([], [
    finding('GHSA-1', 'pkg:npm/a@1.0.0', { aliases: ['CVE-2024-1'], fixed: '1.0.1' }),
    finding('GHSA-2', 'pkg:npm/b@1.0.0'),
    finding('GHSA-3', 'pkg:npm/c@1.0.0', { fixed: '2.0.0', severity: { level: 'LOW', source: 'database', cvss: [] } }),
    finding('GHSA-4', 'pkg:npm/d@1.0.0', { fixed: '2.0.0', severity: { level: 'LOW', source: 'database', cvss: [] }, kev }),
  ]);
  const ids = (r: typeof report): string[] => r.findings.map((f) => f.id);

  it('returns the report unchanged without filters', () => {
    expect(selectFindings(report, {}).report).toBe(report);
  });

  it('ignores by id or alias, drops unfixed, then filters by severity (KEV kept), counting each and recounting the summary', () => {
    const { report: shown, hidden } = selectFindings(report, { ignoreIds: new Set(['CVE-2024-1']), ignoreUnfixed: true, severities: new Set(['HIGH']), kev: true });
    expect(ids(shown)).toEqual(['GHSA-4']);
    expect(hidden).toEqual({ ignored: 1, unfixed: 1, severity: 1 });
    expect(shown.summary).toMatchObject({ findings: 1, severities: { LOW: 1, HIGH: 0 } });
    expect(ids(report)).toHaveLength(4);
  });
});
