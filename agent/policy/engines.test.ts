import { describe, expect, it } from 'vitest';
import { finding, imageReport } from '../../core/export/report.test-helper.js';
import { variantPack } from '../../core/policy/opa/opa-modules.test-helper.js';
import { agentPolicyEngines } from './engines.js';

const report = imageReport([], [finding('GHSA-a', 'pkg:npm/a@1.0.0', { severity: { level: 'CRITICAL', source: 'database', cvss: [] } })]);
const context = { now: new Date('2026-06-01T00:00:00Z'), exceptions: [] };

describe("the agent's policy engines", () => {
  it('load YAML into the built-in engine and bundle.tar.gz into the OPA engine', () => {
    expect(agentPolicyEngines.factories.map((f) => f.kind)).toEqual(['builtin', 'opa-wasm']);
    expect(agentPolicyEngines.forSource('policies/prod.yaml')?.kind).toBe('builtin');
    expect(agentPolicyEngines.forSource('policies/bundle.tar.gz')?.kind).toBe('opa-wasm');
    expect(agentPolicyEngines.forSource('policies/team.tar.gz')?.kind).toBe('opa-wasm');
    expect(agentPolicyEngines.forSource('policies/team.tar')).toBeUndefined();
  });

  it('run a pack in a worker thread, so a pack that traps gives the verdict error and close stops the thread', async () => {
    const good = await agentPolicyEngines.load(variantPack('good'), 'policies/bundle.tar.gz');
    const trap = await agentPolicyEngines.load(variantPack('trap'), 'policies/bundle.tar.gz');
    try {
      expect((await good.evaluate(report, context)).outcome.verdict).toBe('fail');
      expect((await trap.evaluate(report, context)).outcome).toMatchObject({ verdict: 'error', engine: 'opa-wasm' });
    } finally {
      await good.close?.();
      await trap.close?.();
    }
    expect(good.close).toBeTypeOf('function');
  });
});
