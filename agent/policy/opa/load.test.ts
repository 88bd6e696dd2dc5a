import { describe, expect, it } from 'vitest';
import { finding, imageReport } from '../../../core/export/report.test-helper.js';
import { bundleFiles, compileWat, packTarGz, variantPack, variantSource } from '../../../core/policy/opa/opa-modules.test-helper.js';
import { loadOpaPolicy } from './load.js';

const SOURCE = 'policies/team.tar.gz';
const context = { now: new Date('2026-06-01T00:00:00Z'), exceptions: [] };
const report = imageReport([], [
  finding('GHSA-crit', 'pkg:npm/b@1.0.0', { severity: { level: 'CRITICAL', source: 'database', cvss: [] } }),
  finding('GHSA-low', 'pkg:npm/c@1.0.0', { severity: { level: 'LOW', source: 'database', cvss: [] } }),
]);

describe('OPA policies in a worker thread', () => {
  it('evaluates a well-behaved module', async () => {
    const engine = await loadOpaPolicy(variantPack('good'), SOURCE);
    try {
      const { outcome, findings } = await engine.evaluate(report, context);
      expect(outcome.verdict).toBe('fail');
      expect(findings.map((f) => f.verdict)).toEqual(['fail', 'pass']);
    } finally {
      await engine.close();
    }
  });

  it('stops a module that loops at the deadline, gives the verdict error, and starts afresh for the next report', async () => {
    const engine = await loadOpaPolicy(variantPack('loop'), SOURCE, { evaluationMs: 300 });
    try {
      for (let round = 0; round < 2; round++) {
        const { outcome, findings } = await engine.evaluate(report, context);
        expect(outcome.verdict).toBe('error');
        expect(findings).toEqual([]);
        expect(outcome.reasons).toEqual([`${SOURCE}: policy.wasm: evaluation did not finish within 300 ms; the policy was stopped`]);
      }
    } finally {
      await engine.close();
    }
  });

  it('reports a trap and a module out of memory as the verdict error', async () => {
    for (const [variant, reason] of [
      ['trap', `${SOURCE}: policy.wasm: evaluation failed: the module trapped (unreachable)`],
      ['memory-hog', `${SOURCE}: policy.wasm: evaluation failed: the module aborted: out of memory after using all 2 MiB of memory it may have`],
    ] as const) {
      const engine = await loadOpaPolicy(variantPack(variant), SOURCE, { maxMemoryBytes: 2 << 20 });
      try {
        const { outcome } = await engine.evaluate(report, context);
        expect(outcome).toMatchObject({ verdict: 'error', reasons: [reason] });
      } finally {
        await engine.close();
      }
    }
  });

  it('refuses a module whose start function never returns', async () => {
    const wat = variantSource('good').replace('(func (export "builtins")', '(func $spin (loop $l (br $l))) (start $spin) (func (export "builtins")');
    const error = await loadOpaPolicy(packTarGz(bundleFiles(compileWat(wat))), SOURCE, { loadMs: 300 }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'POLICY_INVALID', message: `${SOURCE}: policy.wasm: did not finish loading within 300 ms and was stopped` });
  });

  it('refuses a module without stella/decision and stops its thread', async () => {
    const error = await loadOpaPolicy(variantPack('no-entrypoint'), SOURCE).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'POLICY_INVALID' });
    expect((error as Error).message).toMatch(/^policies\/team\.tar\.gz: policy\.wasm: has no entrypoint stella\/decision/);
  });
});
