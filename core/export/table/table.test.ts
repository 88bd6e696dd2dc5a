import { describe, expect, it } from 'vitest';
import { REPORT_SCHEMA, type Finding, type Report } from '../../model/report.js';
import { renderTable } from './table.js';
import { fitWidths, truncate, wrapText } from './layout.js';

const finding = (over: Partial<Finding> & Pick<Finding, 'id' | 'name'>): Finding => ({
  aliases: [], purl: `pkg:pypi/${over.name}@1.0`, installed: '1.0', severity: { level: 'MEDIUM', source: 'database', cvss: [] }, ...over,
});
const LONG = 'Django allows SQL injection through crafted column aliases passed to QuerySet.annotate(), aggregate() and extra() on every database backend';

function report(findings: Finding[]): Report {
  return {
    schema: REPORT_SCHEMA, tool: { name: 'stella', version: '0.0.0-test' },
    target: { kind: 'project-dir', name: 'app', digest: `sha256:${'0'.repeat(64)}` }, inputs: { feed: null },
    summary: { components: 12, findings: 99, severities: { HIGH: 99 } }, coverage: { ecosystems: [], unchecked: [] }, components: [], findings, warnings: [],
  };
}

const merged = finding({
  id: 'GHSA-xxxx-yyyy-zzzz', name: 'django', installed: '3.2.0', fixed: '3.2.25', summary: LONG,
  aliases: ['PYSEC-2022-190', 'CVE-2022-28346', 'CVE-2022-28347', 'PYSEC-2022-191'], severity: { level: 'CRITICAL', source: 'alias:GHSA-xxxx-yyyy-zzzz', cvss: [] },
});
const kevLow = finding({ id: 'PYSEC-2018-1', name: 'zlib', aliases: ['CVE-2018-0001'], severity: { level: 'LOW', source: 'nvd', cvss: [] }, kev: { dateAdded: '2022-01-01', dueDate: '2022-02-01', knownRansomwareCampaignUse: 'Unknown' } });
const low = finding({ id: 'PYSEC-2018-2', name: 'aaa', severity: { level: 'LOW', source: 'cvss', cvss: [] } });
const go = finding({ id: 'GO-2024-0001', name: 'github.com/gin-gonic/gin', purl: 'pkg:golang/github.com/gin-gonic/gin@v1.6.0', installed: 'v1.6.0', fixed: 'v1.7.7' });
const goBare = finding({ id: 'GO-2024-0002', name: 'stdlib', purl: 'pkg:golang/stdlib@1.22.1', installed: '1.22.1', fixed: '1.22.4' });

describe('table exporter', () => {
  it('fits the terminal: the title is cut, ids and versions are whole', () => {
    const text = renderTable(report([merged, kevLow, low, go]), { columns: 100 });
    const lines = text.split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(text).toContain('CVE-2022-28346');
    expect(text).toContain('3.2.25');
    expect(text).toContain('…');
    expect(text).not.toContain(LONG);
  });

  it('leaves out the title column rather than showing a sliver of it', () => {
    const lines = renderTable(report([merged, go]), { columns: 72 }).split('\n');
    expect(lines.find((line) => line.startsWith('LIBRARY'))).not.toContain('TITLE');
    for (const line of lines.filter((l) => l.startsWith('django'))) expect(line).toContain('3.2.25');
  });

  it('lists every id, CVEs first, one per continuation line', () => {
    const lines = renderTable(report([merged]), { columns: 120 }).split('\n');
    const start = lines.findIndex((line) => line.startsWith('django'));
    const idColumn = (lines[3] as string).indexOf('VULNERABILITY');
    const ids = lines.slice(start, start + 5).map((line) => line.slice(idColumn).split(/\s+/)[0]);
    expect(ids).toEqual(['CVE-2022-28346', 'CVE-2022-28347', 'GHSA-xxxx-yyyy-zzzz', 'PYSEC-2022-190', 'PYSEC-2022-191']);
    expect(lines[start + 1]?.slice(0, idColumn).trim()).toBe('');
  });

  it('sorts known-exploited first within a level and flags them', () => {
    const lines = renderTable(report([low, kevLow, merged])).split('\n');
    const order = lines.filter((line) => /^(django|zlib|aaa)\b/.test(line)).map((line) => line.split(/\s+/)[0]);
    expect(order).toEqual(['django', 'zlib', 'aaa']);
    expect(lines.find((line) => line.startsWith('zlib'))).toMatch(/LOW KEV/);
  });

  it('counts what it shows, most severe first, and how many are known exploited', () => {
    expect(renderTable(report([low, kevLow, merged])).split('\n')[1]).toBe('12 components, 3 findings (CRITICAL: 1, LOW: 2; 1 known exploited)');
    expect(renderTable(report([])).split('\n')[1]).toBe('12 components, 0 findings');
  });

  it('prints Go versions with their v, installed and fixed alike', () => {
    const text = renderTable(report([go, goBare]));
    expect(text).toMatch(/v1\.6\.0\s+v1\.7\.7/);
    expect(text).toMatch(/v1\.22\.1\s+v1\.22\.4/);
  });

  it('colours severities only when asked, without breaking the alignment', () => {
    const plain = renderTable(report([merged, kevLow]), { columns: 100 });
    expect(plain).not.toContain('\u001b[');
    const coloured = renderTable(report([merged, kevLow]), { columns: 100, color: true });
    expect(coloured).toContain('\u001b[1;31mCRITICAL\u001b[0m');
    expect(coloured).toContain('\u001b[1;35mKEV\u001b[0m');
    // eslint-disable-next-line no-control-regex
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain);
  });
});

describe('table exporter: VEX status and verdicts', () => {
  const decided = (): Report => {
    const r = report([
      { ...merged, status: 'affected', verdict: { verdict: 'fail', rule: 'critical', reason: 'fail by rule critical' } },
      { ...kevLow, status: 'not_affected', justification: 'vulnerable_code_not_present', verdict: { verdict: 'pass', reason: 'no rule matched' } },
      { ...low, status: 'under_investigation', verdict: { verdict: 'pass', exception: 'exceptions/a.yaml#x', reason: 'waived' } },
      { ...go, verdict: { verdict: 'warn', rule: 'go', reason: 'warn by rule go' } },
    ]);
    r.policy = { verdict: 'fail', engine: 'builtin', source: 'policies/prod.yaml', digest: 'a'.repeat(64), reasons: ['1 finding fail by rule critical'], expiredExceptions: [] };
    return r;
  };
  const cellsOf = (text: string, name: string): string[] => (text.split('\n').find((line) => line.startsWith(name)) ?? '').split(/\s{2,}/);

  it('shows each finding\'s status and verdict, and the target verdict with its reason, on a wide terminal', () => {
    const text = renderTable(decided(), { columns: 200 });
    const header = text.split('\n').find((line) => line.startsWith('LIBRARY')) ?? '';
    expect(header.split(/\s+/)).toEqual(['LIBRARY', 'VULNERABILITY', 'SEVERITY', 'STATUS', 'VERDICT', 'INSTALLED', 'FIXED', 'TITLE']);
    expect(cellsOf(text, 'django').slice(3, 5)).toEqual(['affected', 'fail']);
    expect(cellsOf(text, 'zlib').slice(3, 5)).toEqual(['not_affected', 'pass']);
    expect(cellsOf(text, 'aaa').slice(3, 5)).toEqual(['under_investigation', 'pass (exception)']);
    expect(cellsOf(text, 'github.com/gin-gonic/gin').slice(3, 5)).toEqual(['—', 'warn']);
    expect(text).toContain('verdict fail by policies/prod.yaml (builtin): 1 finding fail by rule critical');
    expect(text).toContain('Django allows SQL injection');
    expect(text).toContain('3.2.25');
  });

  it.each([100, 72, 50, 30])('stays within %i columns', (columns) => {
    const text = renderTable(decided(), { columns, color: true });
    // eslint-disable-next-line no-control-regex
    for (const line of text.replace(/\u001b\[[0-9;]*m/g, '').split('\n')) expect(line.length, line).toBeLessThanOrEqual(columns);
  });

  it('on a narrow terminal leaves out the versions before the status and verdict', () => {
    const text = renderTable(decided(), { columns: 100 });
    expect(text.split('\n').find((line) => line.startsWith('LIBRARY'))?.split(/\s+/)).toEqual(['LIBRARY', 'VULNERABILITY', 'SEVERITY', 'STATUS', 'VERDICT', 'FIXED']);
    expect(cellsOf(text, 'zlib').slice(3, 5)).toEqual(['not_affected', 'pass']);
    expect(text).toContain('pass (exception)');
  });

  it('leaves the columns out when neither VEX nor a policy decided anything', () => {
    const header = renderTable(report([merged]), { columns: 200 }).split('\n').find((line) => line.startsWith('LIBRARY')) ?? '';
    expect(header).not.toMatch(/STATUS|VERDICT/);
    expect(renderTable(report([merged]))).not.toContain('verdict');
  });
});

describe('fitWidths, truncate and wrapText', () => {
  it('wraps prose at spaces, never inside a word', () => {
    expect(wrapText('110 deb packages (Debian 12): not checked', 20)).toEqual(['110 deb packages', '  (Debian 12): not', '  checked']);
    expect(wrapText('short', 20)).toEqual(['short']);
    expect(wrapText('a https://example.org/very/long/word b', 10)).toEqual(['a', '  https://example.org/very/long/word', '  b']);
  });

  it('shrinks the title, then the library, never the fixed columns', () => {
    expect(fitWidths([10, 19, 8, 7, 7, 60], 80)).toEqual([10, 19, 8, 7, 7, 19]);
    expect(fitWidths([40, 19, 8, 7, 7, 60], 60, { title: 5, library: 0, drop: [3, 4] })).toEqual([12, 19, 8, 0, 7, 0]);
    expect(fitWidths([40, 19, 8, 7, 7, 60], 80)).toEqual([31, 19, 8, 7, 7, 0]);
    expect(fitWidths([10, 19, 8, 7, 7, 60], undefined)).toEqual([10, 19, 8, 7, 7, 60]);
  });

  it('cuts with an ellipsis only when needed', () => {
    expect(truncate('abcdef', 6)).toBe('abcdef');
    expect(truncate('abcdef', 4)).toBe('abc…');
  });
});
