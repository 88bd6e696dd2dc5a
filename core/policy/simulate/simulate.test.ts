/**
 * Simulation's comparison: only targets and findings whose verdict changes
 * are listed, stored verdicts are replaced rather than trusted, a side with
 * no policy is `none`, and the Markdown is the same for the same result.
 */
import { describe, expect, it } from 'vitest';
import { finding, imageReport } from '../../export/report.test-helper.js';
import { builtinPolicyFactory } from '../builtin/engine.js';
import { renderSimulationMarkdown, renderSimulationTable } from './render.js';
import { simulate } from './simulate.js';

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
const now = new Date('2025-01-01T00:00:00Z');
const load = (text: string) => builtinPolicyFactory.load(enc(`schema: stella.policy/v1\n${text}`), 'policies/p.yaml');

describe('policy simulation', () => {
  it('lists only what changes, replacing the verdicts a report was stored with', async () => {
    const quiet = imageReport([], [finding('GHSA-a', 'pkg:npm/a@1.0.0', { severity: { level: 'LOW', source: 'database', cvss: [] } })]);
    // Stored with a stale verdict that neither side would give: it must not count as "before".
    const loud = imageReport([], [finding('GHSA-b', 'pkg:npm/b@1.0.0', { verdict: { verdict: 'warn', reason: 'stale' } }), finding('GHSA-c', 'pkg:npm/c@1.0.0', { severity: { level: 'LOW', source: 'database', cvss: [] } })]);
    const baseline = { engine: await load('rules:\n  - { id: high, verdict: fail, when: { severity: [CRITICAL] } }\n'), exceptions: [] };
    const candidate = { engine: await load('rules:\n  - { id: high, verdict: fail, when: { severity: { min: HIGH } } }\n'), exceptions: [] };
    const result = await simulate([{ folder: 'findings/n/loud', report: loud }, { folder: 'findings/n/quiet', report: quiet }], { baseline, candidate, now });
    expect(result.reports).toBe(2);
    expect(result.findings).toBe(3);
    expect(result.totals).toEqual({ before: { pass: 2 }, after: { fail: 1, pass: 1 } });
    expect(result.changes).toEqual([
      { folder: 'findings/n/loud', target: 'shop/web:2.1', before: 'pass', after: 'fail', findings: [{ id: 'GHSA-b', name: 'b', purl: 'pkg:npm/b@1.0.0', before: expect.objectContaining({ verdict: 'pass' }) as object, after: expect.objectContaining({ verdict: 'fail', rule: 'high' }) as object }] },
    ]);
    const markdown = renderSimulationMarkdown(result, now);
    expect(markdown).toBe(renderSimulationMarkdown(result, now));
    expect(markdown).toContain('| b | GHSA-b | pass | fail | rule high |');
    expect(renderSimulationTable(result, now)).toContain('1 target and 1 finding would change verdict.');
  });

  it('without a policy in force, every target starts from none', async () => {
    const candidate = { engine: await load(''), exceptions: [] };
    const result = await simulate([{ folder: 'findings/n/t', report: imageReport([], []) }], { candidate, now });
    expect(result.baseline).toBeUndefined();
    expect(result.changes.map((c) => `${c.before}→${c.after}`)).toEqual(['none→pass']);
    expect(renderSimulationMarkdown(result, now)).toContain('against no policy in force: 1 report, 0 findings');
  });
});
