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
  coverage: { ecosystems: [{ ecosystem: 'npm', type: 'npm', components: 3, checked: 3, advisories: 170 }], unchecked: [] },
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

describe('renderReviewMarkdown coverage', () => {
  it('says what was checked, and names the components that were not', () => {
    const clean = report([]);
    expect(renderReviewMarkdown([{ folder: 'findings/n1/app-1', diff: diffReports(undefined, clean), current: clean }])).toContain('Coverage: all 3 components checked (npm: 3 against 170 advisories).');

    const partly: Report = {
      ...report([]),
      summary: { components: 5, findings: 0, severities: {} },
      coverage: {
        ecosystems: [
          { ecosystem: 'Debian:12', type: 'deb', components: 2, checked: 0, advisories: 0 },
          { ecosystem: 'npm', type: 'npm', components: 3, checked: 3, advisories: 170 },
        ],
        unchecked: [
          { purl: 'pkg:deb/debian/bash@5.2.15-2?distro=debian-12', type: 'deb', ecosystem: 'Debian:12', reason: 'no-advisories' },
          { purl: 'pkg:deb/debian/libc6@2.36-9?distro=debian-12', type: 'deb', ecosystem: 'Debian:12', reason: 'no-advisories' },
        ],
      },
    };
    const text = renderReviewMarkdown([{ folder: 'findings/n1/app-1', diff: diffReports(undefined, partly), current: partly }]);
    expect(text).toContain('Coverage: 3 of 5 components checked (npm: 3 against 170 advisories).');
    expect(text).toContain('**2 components not checked:**\n\n- 2 deb packages (Debian 12): no advisories for Debian:12 imported — not checked\n');
  });
});

describe('VEX status in summary.md', () => {
  const plain = finding('GHSA-1', 'lodash', '4.17.15', 'HIGH', '4.17.21');
  const ruledOut: Finding = { ...plain, status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path', statusSource: 'vex/app.openvex.json#0' };

  it('shows each new finding’s VEX status, — when no statement spoke about it', () => {
    const text = renderReviewMarkdown([{ folder: 'findings/n/app', diff: diffReports(undefined, report([plain, { ...ruledOut, id: 'GHSA-9' }])), current: report([plain]) }]);
    expect(text).toContain('| severity | package | installed | advisory | fixed in | VEX status |');
    expect(text).toContain('| HIGH | lodash | 4.17.15 | GHSA-1 | 4.17.21 | — |');
    expect(text).toContain('| HIGH | lodash | 4.17.15 | GHSA-9 | 4.17.21 | not_affected: vulnerable_code_not_in_execute_path |');
  });

  it('reports a status a VEX statement changed as a change of the finding', () => {
    const diff = diffReports(report([plain]), report([ruledOut]));
    expect(diff.changed.map((c) => [c.after.id, c.fields])).toEqual([['GHSA-1', ['status']]]);
    expect(renderReviewMarkdown([{ folder: 'findings/n/app', diff, current: report([ruledOut]) }])).toContain('status: — → not_affected: vulnerable_code_not_in_execute_path');
  });
});
