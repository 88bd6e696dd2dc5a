import { describe, expect, it } from 'vitest';
import type { Finding, Report } from '../model/report.js';
import { diffReports, renderReviewMarkdown } from './review.js';

const finding = (id: string, name: string, installed: string, level: Finding['severity']['level'], fixed?: string): Finding => ({
  id,
  aliases: [],
  purl: `pkg:npm/${name}@${installed}`,
  name,
  installed,
  severity: { level, source: 'database', cvss: [] },
  ...(fixed === undefined ? {} : { fixed }),
});

const report = (findings: Finding[]): Report => ({
  schema: 'stella.report/v1',
  tool: { name: 'stella', version: '0' },
  target: { kind: 'oci-archive', name: 'app:1', digest: `sha256:${'a'.repeat(64)}` },
  inputs: { feed: null },
  summary: { components: 3, findings: findings.length, severities: {} },
  components: [],
  findings,
  warnings: [],
});

describe('diffReports', () => {
  const before = report([finding('GHSA-1', 'lodash', '4.17.15', 'HIGH', '4.17.21'), finding('GHSA-2', 'qs', '6.7.0', 'HIGH', '6.7.3'), finding('GHSA-3', 'ms', '2.0.0', 'LOW')]);
  const after = report([finding('GHSA-1', 'lodash', '4.17.20', 'HIGH', '4.17.21'), finding('GHSA-3', 'ms', '2.0.0', 'LOW'), finding('GHSA-4', 'axios', '0.21.1', 'CRITICAL', '0.21.2')]);

  it('names findings that appeared, went away, and changed (a new installed version keeps the finding)', () => {
    const diff = diffReports(before, after);
    expect(diff.added.map((f) => f.id)).toEqual(['GHSA-4']);
    expect(diff.fixed.map((f) => f.id)).toEqual(['GHSA-2']);
    expect(diff.changed.map((c) => [c.after.id, c.fields])).toEqual([['GHSA-1', ['installed']]]);
    expect(diff.unchanged).toBe(1);
  });

  it('treats a first report as all new, and renders the same Markdown every time', () => {
    const diff = diffReports(undefined, after);
    expect(diff.added).toHaveLength(3);
    const text = renderReviewMarkdown([{ folder: 'findings/n1/app-1', diff: diffReports(before, after), current: after }]);
    expect(text).toBe(renderReviewMarkdown([{ folder: 'findings/n1/app-1', diff: diffReports(before, after), current: after }]));
    expect(text).toContain('**1 new**, **1 fixed**, 1 changed');
    expect(text).toContain('| CRITICAL | axios | 0.21.1 | GHSA-4 | 0.21.2 |');
    expect(text).toContain('installed: 4.17.15 → 4.17.20');
  });
});
