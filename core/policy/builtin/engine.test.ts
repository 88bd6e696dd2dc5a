/**
 * The built-in engine's semantics on small reports: first matching rule
 * decides, the default covers the rest, layers split base from
 * application, exceptions waive until they expire (clock injected), and
 * every verdict says what decided it. Real findings from a real image are
 * in test/policy.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { component, finding, imageReport } from '../../export/report.test-helper.js';
import type { PolicyException } from '../engine.js';
import { builtinPolicyFactory } from './engine.js';

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
const BASE = `sha256:${'1'.repeat(64)}`;
const APP = `sha256:${'2'.repeat(64)}`;
const NOW = new Date('2025-06-01T00:00:00Z');

const POLICY = `schema: stella.policy/v1
default: warn
baseLayers: 1
rules:
  - { id: kev, verdict: fail, description: exploited in the wild, when: { kev: true } }
  - { id: base-image, verdict: warn, when: { layer: base } }
  - { id: not-affected, verdict: pass, when: { status: [not_affected, fixed] } }
  - { id: high-fixable, verdict: fail, when: { cvss: { min: 7 }, fixAvailable: true } }
  - { id: young, verdict: pass, when: { publishedDays: { max: 29 } } }
`;

const report = imageReport(
  [component('pkg:deb/debian/openssl@3.0.11-1', [], { layer: BASE }), component('pkg:npm/lodash@4.17.15', [], { layer: APP }), component('pkg:npm/qs@6.7.0', [], { layer: APP })],
  [
    finding('DSA-1', 'pkg:deb/debian/openssl@3.0.11-1', { kev: { dateAdded: '2024-01-01', dueDate: '2024-01-22', knownRansomwareCampaignUse: 'Unknown' } }),
    finding('DSA-2', 'pkg:deb/debian/openssl@3.0.11-1'),
    finding('GHSA-a', 'pkg:npm/lodash@4.17.15', { aliases: ['CVE-2020-8203'], fixed: '4.17.19', severity: { level: 'HIGH', source: 'database', cvss: [{ type: 'CVSS_V3', vector: 'x', score: 7.4 }] } }),
    finding('GHSA-b', 'pkg:npm/lodash@4.17.15', { status: 'not_affected', fixed: '4.17.21', severity: { level: 'HIGH', source: 'database', cvss: [{ type: 'CVSS_V3', vector: 'x', score: 7.2 }] } }),
    finding('GHSA-c', 'pkg:npm/qs@6.7.0', { published: '2025-05-20T00:00:00Z' }),
    finding('GHSA-d', 'pkg:npm/qs@6.7.0', { published: '2020-01-01T00:00:00Z' }),
  ],
);

async function evaluate(exceptions: PolicyException[] = [], now = NOW) {
  const engine = await builtinPolicyFactory.load(enc(POLICY), 'policies/gate.yaml');
  return engine.evaluate(report, { now, exceptions });
}

describe('the built-in policy engine', () => {
  it('gives each finding the verdict of the first rule that matches, else the default', async () => {
    const { findings } = await evaluate();
    expect(findings.map((v) => `${v.verdict}:${v.rule ?? 'default'}`)).toEqual([
      'fail:kev', // KEV comes first, although the finding is in the base image too
      'warn:base-image',
      'fail:high-fixable',
      'pass:not-affected', // VEX status decides before the CVSS rule
      'pass:young',
      'warn:default',
    ]);
    expect(findings[0]?.reason).toBe('fail by rule kev: exploited in the wild');
    expect(findings[2]?.reason).toBe('fail by rule high-fixable: CVSS ≥ 7, fix available');
    expect(findings[5]?.reason).toBe("no rule matched; the policy's default is warn");
  });

  it('gives the target the worst verdict and says which rules decided it', async () => {
    const { outcome } = await evaluate();
    expect(outcome).toEqual({
      verdict: 'fail',
      engine: 'builtin',
      source: 'policies/gate.yaml',
      digest: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
      reasons: ['1 finding fail by rule high-fixable', '1 finding fail by rule kev'],
      expiredExceptions: [],
    });
  });

  it('an active exception waives a failing finding by an alias, keeps the rule in the trace, and stops at its expiry', async () => {
    const waiver: PolicyException = {
      ref: 'exceptions/web.yaml#lodash',
      owner: 'web-team',
      reason: 'constant keys only',
      ids: ['CVE-2020-8203'],
      purls: ['pkg:npm/lodash'],
      targets: ['shop/*'],
      expires: new Date('2025-07-01T00:00:00Z'),
    };
    const active = await evaluate([waiver]);
    expect(active.findings[2]).toEqual({
      verdict: 'pass',
      rule: 'high-fixable',
      exception: 'exceptions/web.yaml#lodash',
      reason: 'waived by exceptions/web.yaml#lodash (owner web-team, until 2025-07-01T00:00:00.000Z): constant keys only; without it: fail',
    });
    expect(active.outcome.reasons).toEqual(['1 finding fail by rule kev']);
    expect(active.outcome.expiredExceptions).toEqual([]);

    const later = await evaluate([waiver], new Date('2025-07-01T00:00:00Z'));
    expect(later.findings[2]).toMatchObject({ verdict: 'fail', rule: 'high-fixable' });
    expect(later.findings[2]?.exception).toBeUndefined();
    expect(later.outcome.expiredExceptions).toEqual(['exceptions/web.yaml#lodash']);
  });

  it('an exception for another target or another package does not apply', async () => {
    const base = { ref: 'exceptions/x.yaml#a', owner: 'o', reason: 'r', ids: ['CVE-2020-8203'], expires: new Date('2030-01-01T00:00:00Z') };
    const otherTarget = await evaluate([{ ...base, purls: [], targets: ['api/*'] }]);
    const otherPackage = await evaluate([{ ...base, purls: ['pkg:npm/lodash-es'], targets: [] }]);
    expect(otherTarget.findings[2]?.verdict).toBe('fail');
    expect(otherPackage.findings[2]?.verdict).toBe('fail');
  });

  it('a report without findings passes, and the input report is not changed', async () => {
    const engine = await builtinPolicyFactory.load(enc(POLICY), 'policies/gate.yaml');
    const empty = imageReport([], []);
    const before = JSON.stringify(report);
    expect((await engine.evaluate(empty, { now: NOW, exceptions: [] })).outcome).toMatchObject({ verdict: 'pass', reasons: ['no findings'] });
    await engine.evaluate(report, { now: NOW, exceptions: [] });
    expect(JSON.stringify(report)).toBe(before);
  });

  it('ecosystem and package patterns match OSV ecosystems and package names', async () => {
    const engine = await builtinPolicyFactory.load(
      enc("schema: stella.policy/v1\nrules:\n  - { id: npm-lodash, verdict: fail, when: { ecosystem: npm, package: 'lo*' } }\n  - { id: debian, verdict: warn, when: { ecosystem: 'Debian*' } }\n"),
      'p.yaml',
    );
    const debian = imageReport([], [finding('DSA-3', 'pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12'), finding('GHSA-a', 'pkg:npm/lodash@4.17.15'), finding('GHSA-c', 'pkg:npm/qs@6.7.0')]);
    const { findings } = await engine.evaluate(debian, { now: NOW, exceptions: [] });
    expect(findings.map((v) => v.rule ?? 'default')).toEqual(['debian', 'npm-lodash', 'default']);
  });
});
