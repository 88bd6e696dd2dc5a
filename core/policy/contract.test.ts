/**
 * The contract every policy engine in the registry must keep, run for each
 * registered kind: it loads its sample, picks files by name, gives one
 * verdict per finding with a reason, passes an empty report, decides the
 * same way twice, leaves the report unchanged and records its kind, source
 * and digest. A new engine adds a sample here; the suite fails until it does.
 * The OPA engine runs here in-process (the sample is the project's own,
 * well-behaved module); the agent registers it with its worker runner.
 */
import { describe, expect, it } from 'vitest';
import { finding, imageReport } from '../export/report.test-helper.js';
import { defaultPolicyEngines, loadPolicy, PolicyEngineRegistry } from './registry.js';
import { builtinPolicyFactory } from './builtin/engine.js';
import { opaPolicyFactory } from './opa/factory.js';
import { variantPack } from './opa/opa-modules.test-helper.js';
import { inProcessRunner } from './opa/runner.js';

/** Every engine kind Stella has: core's defaults plus OPA wasm, which needs a runner from its host. */
const allEngines = new PolicyEngineRegistry([builtinPolicyFactory, opaPolicyFactory(inProcessRunner)]);

/** Per engine kind: a file name it takes, a policy that fails KEV findings, and a name it must refuse. */
const samples: Record<string, { source: string; bytes: () => Promise<Uint8Array>; refuses: string }> = {
  builtin: {
    source: 'policies/kev.yaml',
    bytes: () => Promise.resolve(new TextEncoder().encode('schema: stella.policy/v1\nrules:\n  - { id: kev, verdict: fail, when: { kev: true } }\n')),
    refuses: 'policies/bundle.tar.gz',
  },
  'opa-wasm': {
    // The fixture module fails KEV (and CRITICAL) findings, passes the rest.
    source: 'policies/bundle.tar.gz',
    bytes: () => Promise.resolve(variantPack('good')),
    refuses: 'policies/kev.yaml',
  },
};

const report = imageReport([], [
  finding('GHSA-a', 'pkg:npm/a@1.0.0', { kev: { dateAdded: '2024-01-01', dueDate: '2024-01-22', knownRansomwareCampaignUse: 'Unknown' } }),
  finding('GHSA-b', 'pkg:npm/b@1.0.0', { severity: { level: 'LOW', source: 'database', cvss: [] } }),
]);
const context = { now: new Date('2025-01-01T00:00:00Z'), exceptions: [] };

describe('policy engine registry', () => {
  it('has a contract sample for every engine', () => {
    expect(allEngines.factories.map((f) => f.kind).sort()).toEqual(Object.keys(samples).sort());
    for (const factory of defaultPolicyEngines.factories) expect(Object.keys(samples)).toContain(factory.kind);
  });

  it('refuses two engines of one kind, and a file no engine takes, naming it', async () => {
    expect(() => new PolicyEngineRegistry([builtinPolicyFactory, builtinPolicyFactory])).toThrow(/registered twice/);
    await expect(loadPolicy(new Uint8Array(), 'policies/gate.rego')).rejects.toMatchObject({ code: 'POLICY_INVALID', message: expect.stringMatching(/^policies\/gate\.rego: not a policy Stella can load/) as string });
  });

  describe.each(Object.entries(samples))('%s', (kind, sample) => {
    it('is picked by file name, and only for its own files', async () => {
      expect(allEngines.forSource(sample.source)?.kind).toBe(kind);
      expect(allEngines.forSource(sample.refuses)?.kind).not.toBe(kind);
    });

    it('decides every finding with a reason, the same way twice, without changing the report', async () => {
      const engine = await loadPolicy(await sample.bytes(), sample.source, allEngines);
      const before = JSON.stringify(report);
      const first = await engine.evaluate(report, context);
      const second = await engine.evaluate(report, context);
      expect(first).toEqual(second);
      expect(JSON.stringify(report)).toBe(before);
      expect(first.findings.map((v) => v.verdict)).toEqual(['fail', 'pass']);
      for (const verdict of first.findings) expect(verdict.reason).not.toBe('');
      expect(first.outcome).toMatchObject({ verdict: 'fail', engine: kind, source: sample.source, digest: expect.stringMatching(/^[0-9a-f]{64}$/) as string });
      expect((await engine.evaluate(imageReport([], []), context)).outcome.verdict).toBe('pass');
      await engine.close?.();
    });

    it('waives by exception and lists an expired one the same way as every engine', async () => {
      const engine = await loadPolicy(await sample.bytes(), sample.source, allEngines);
      const exceptions = [
        { ref: 'exceptions/a.yaml#live', owner: 'o', reason: 'r', ids: ['GHSA-a'], purls: [], targets: [], expires: new Date('2026-01-01T00:00:00Z') },
        { ref: 'exceptions/a.yaml#old', owner: 'o', reason: 'r', ids: [], purls: ['pkg:npm/b@*'], targets: [], expires: new Date('2024-01-01T00:00:00Z') },
      ];
      const { outcome, findings } = await engine.evaluate(report, { ...context, exceptions });
      expect(findings[0]).toEqual({
        verdict: 'pass',
        rule: 'kev',
        exception: 'exceptions/a.yaml#live',
        reason: 'waived by exceptions/a.yaml#live (owner o, until 2026-01-01T00:00:00.000Z): r; without it: fail',
      });
      expect(outcome).toMatchObject({ verdict: 'pass', expiredExceptions: ['exceptions/a.yaml#old'] });
      await engine.close?.();
    });
  });
});
