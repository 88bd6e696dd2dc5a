import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { finding, imageReport } from '../../export/report.test-helper.js';
import type { Finding } from '../../model/report.js';
import type { PolicyException } from '../engine.js';
import { openOpaPolicy } from './engine.js';
import { inProcessRunner } from './runner.js';
import { bundleFiles, compileWat, packTarGz, variantPack, variantSource } from './opa-modules.test-helper.js';

const SOURCE = 'policies/team.tar.gz';
const now = new Date('2026-06-01T00:00:00Z');
const sev = (level: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW'): Finding['severity'] => ({ level, source: 'database', cvss: [] });
const kev = { dateAdded: '2024-01-10', dueDate: '2024-01-31', knownRansomwareCampaignUse: 'Unknown' as const };

function sampleReport() {
  return imageReport([], [
    finding('GHSA-low', 'pkg:npm/a@1.0.0', { severity: sev('LOW') }),
    finding('GHSA-crit', 'pkg:npm/b@1.0.0', { severity: sev('CRITICAL'), aliases: ['CVE-2024-0001'] }),
    finding('GHSA-high', 'pkg:npm/c@1.0.0', { severity: sev('HIGH') }),
    finding('GHSA-kev', 'pkg:npm/d@1.0.0', { severity: sev('MEDIUM'), kev }),
    finding('GHSA-vex', 'pkg:npm/e@1.0.0', { severity: sev('CRITICAL'), status: 'not_affected', justification: 'vulnerable_code_not_present' }),
  ]);
}

const load = (bytes: Uint8Array) => openOpaPolicy(bytes, SOURCE, { runner: inProcessRunner });
const refusal = async (bytes: Uint8Array): Promise<string> => {
  const error: unknown = await load(bytes).then(() => undefined, (e: unknown) => e);
  expect(error).toMatchObject({ code: expect.any(String) });
  const message = (error as Error).message;
  expect(message.startsWith(`${SOURCE}: `)).toBe(true);
  expect(message).not.toContain('\n');
  return message;
};

describe('the opa-wasm engine with a well-behaved module', () => {
  const pack = variantPack('good');

  it('gives each finding and the target its verdict with the rule and reason, VEX first', async () => {
    const engine = await load(pack);
    const { outcome, findings } = await engine.evaluate(sampleReport(), { now, exceptions: [] });
    expect(outcome).toEqual({
      verdict: 'fail',
      engine: 'opa-wasm',
      source: SOURCE,
      digest: createHash('sha256').update(pack).digest('hex'),
      reasons: ['2 finding(s) listed in CISA KEV or of CRITICAL severity'],
      expiredExceptions: [],
    });
    expect(findings.map((f) => [f.verdict, f.rule])).toEqual([
      ['pass', undefined],
      ['fail', 'critical'],
      ['warn', 'high'],
      ['fail', 'kev'],
      ['pass', undefined],
    ]);
    expect(findings[3]).toEqual({ verdict: 'fail', rule: 'kev', reason: 'listed in CISA KEV' });
    expect(findings[0]?.reason).toBe(`no rule of ${SOURCE} applies`);
    await engine.close();
  });

  it('evaluates an ABI 1.1 module (the evaluation-context calls) to the same decision', async () => {
    const modern = await (await load(pack)).evaluate(sampleReport(), { now, exceptions: [] });
    const older = await (await load(variantPack('abi-1.1'))).evaluate(sampleReport(), { now, exceptions: [] });
    expect(older.findings).toEqual(modern.findings);
    expect(older.outcome.verdict).toBe('fail');
  });

  it('passes a target without findings and warns one with only HIGH findings', async () => {
    const engine = await load(pack);
    const empty = await engine.evaluate(imageReport([], []), { now, exceptions: [] });
    expect(empty.outcome.verdict).toBe('pass');
    const high = await engine.evaluate(imageReport([], [finding('GHSA-x', 'pkg:npm/x@1.0.0', { severity: sev('HIGH') })]), { now, exceptions: [] });
    expect(high.outcome.verdict).toBe('warn');
  });

  it('does not show the policy the verdicts of an earlier evaluation', async () => {
    const engine = await load(pack);
    const report = sampleReport();
    const first = await engine.evaluate(report, { now, exceptions: [] });
    report.findings.forEach((f, i) => (f.verdict = first.findings[i]));
    report.policy = first.outcome;
    expect(await engine.evaluate(report, { now, exceptions: [] })).toEqual(first);
  });

  it('applies an unexpired exception by alias and lists an expired one', async () => {
    const engine = await load(pack);
    const exception = (ref: string, expires: string, scope: Partial<PolicyException>): PolicyException => ({
      ref, owner: 'team-a', reason: 'fixed in the next release', ids: [], purls: [], targets: [], expires: new Date(expires), ...scope,
    });
    const exceptions = [
      exception('exceptions/a.yaml#crit', '2026-12-31T00:00:00Z', { ids: ['CVE-2024-0001'] }),
      exception('exceptions/a.yaml#old', '2026-01-01T00:00:00Z', { purls: ['pkg:npm/d@*'] }),
    ];
    const { outcome, findings } = await engine.evaluate(sampleReport(), { now, exceptions });
    expect(findings[1]).toEqual({ verdict: 'pass', rule: 'critical', exception: 'exceptions/a.yaml#crit', reason: 'waived by exceptions/a.yaml#crit (owner team-a, until 2026-12-31T00:00:00.000Z): fixed in the next release; without it: fail' });
    expect(findings[3]?.verdict).toBe('fail');
    expect(outcome.verdict).toBe('fail');
    expect(outcome.expiredExceptions).toEqual(['exceptions/a.yaml#old']);
    expect(outcome.reasons).toContain('exceptions/a.yaml#crit waived 1 finding(s)');
  });

  it('takes the target verdict from the findings left after exceptions', async () => {
    const engine = await load(pack);
    const report = imageReport([], [finding('GHSA-crit', 'pkg:npm/b@1.0.0', { severity: sev('CRITICAL') })]);
    const exceptions = [{ ref: 'exceptions/b.yaml#1', owner: 'o', reason: 'r', ids: [], purls: ['pkg:npm/b@*'], targets: ['shop/web:2.1'], expires: new Date('2027-01-01T00:00:00Z') }];
    expect((await engine.evaluate(report, { now, exceptions })).outcome.verdict).toBe('pass');
    const otherTarget = [{ ...exceptions[0]!, targets: ['other'] }];
    expect((await engine.evaluate(report, { now, exceptions: otherTarget })).outcome.verdict).toBe('fail');
  });
});

describe('evaluation failures give the verdict error, never pass', () => {
  it.each([
    ['trap', /policy\.wasm: evaluation failed: the module trapped \(unreachable\)/],
    ['memory-hog', /policy\.wasm: evaluation failed: the module aborted: out of memory after using all 1 MiB of memory it may have/],
    ['malformed', /policy\.wasm: malformed stella\/decision answer: the result set is not a list/],
  ] as const)('%s', async (variant, reason) => {
    const engine = await openOpaPolicy(variantPack(variant), SOURCE, { runner: inProcessRunner, limits: { maxMemoryBytes: 1 << 20 } });
    const { outcome, findings } = await engine.evaluate(sampleReport(), { now, exceptions: [] });
    expect(outcome.verdict).toBe('error');
    expect(findings).toEqual([]);
    expect(outcome.reasons).toHaveLength(1);
    expect(outcome.reasons[0]).toMatch(reason);
    expect(outcome.reasons[0]?.startsWith(`${SOURCE}: policy.wasm: `)).toBe(true);
  });

  it('an input larger than the memory limit', async () => {
    const engine = await openOpaPolicy(variantPack('good'), SOURCE, { runner: inProcessRunner, limits: { maxMemoryBytes: 2 << 16 } });
    const big = imageReport([], Array.from({ length: 2000 }, (_, i) => finding(`GHSA-${i}`, `pkg:npm/p${i}@1.0.0`, { summary: 'x'.repeat(100) })));
    const { outcome } = await engine.evaluate(big, { now, exceptions: [] });
    expect(outcome.verdict).toBe('error');
    expect(outcome.reasons[0]).toMatch(/evaluation failed: .*\(the memory limit is 128 KiB\)/);
  });
});

describe('packs refused when loaded, each with one line naming the pack and the problem', () => {
  it('a wrong ABI version', async () => {
    expect(await refusal(variantPack('abi-2'))).toBe(`${SOURCE}: policy.wasm: speaks OPA wasm ABI 2.2; supported: 1.1 and 1.2 (rebuild it with a current \`opa build -t wasm\`)`);
  });

  it('no stella/decision entrypoint', async () => {
    expect(await refusal(variantPack('no-entrypoint'))).toBe(
      `${SOURCE}: policy.wasm: has no entrypoint stella/decision (it has: stella/other); build it with \`opa build -t wasm -e stella/decision\``,
    );
  });

  it('a module asking for more memory than the limit', async () => {
    expect(await refusal(variantPack('memory-min'))).toBe(`${SOURCE}: policy.wasm: asks for at least 2500 MiB of memory, over the limit of 256 MiB`);
  });

  it('a module importing what the ABI does not provide', async () => {
    const wasm = compileWat(variantSource('good').replace('"opa_abort"', '"opa_exec"'));
    expect(await refusal(packTarGz(bundleFiles(wasm)))).toBe(`${SOURCE}: policy.wasm: imports env.opa_exec (func), which the OPA wasm ABI does not provide`);
  });

  it('a module without the ABI exports', async () => {
    const wasm = compileWat('(module (import "env" "memory" (memory 1)) (func (export "run")))');
    expect(await refusal(packTarGz(bundleFiles(wasm)))).toBe(`${SOURCE}: policy.wasm: does not export opa_wasm_abi_version, so it is not an OPA wasm module`);
  });

  it('bytes that are not wasm', async () => {
    expect(await refusal(packTarGz(bundleFiles(new TextEncoder().encode('not wasm'))))).toMatch(/^policies\/team\.tar\.gz: policy\.wasm: is not a valid WebAssembly module \(/);
  });

  it('a pack or module over its size limit', async () => {
    const pack = variantPack('good');
    const small = (limits: object) => openOpaPolicy(pack, SOURCE, { runner: inProcessRunner, limits }).then(() => '', (e: Error) => e.message);
    expect(await small({ maxPackBytes: 100 })).toBe(`${SOURCE}: is ${pack.length} bytes, over the limit of 100 bytes for a policy pack`);
    expect(await small({ maxModuleBytes: 1024 })).toMatch(/^policies\/team\.tar\.gz: policy\.wasm is \d+ bytes, over the limit of 1 KiB$/);
    expect(await small({ maxUnpackedBytes: 1024 })).toBe(`${SOURCE}: unpacks to more than 1 KiB`);
  });

  it('a pack that is not gzip, or holds files that are not part of a wasm bundle', async () => {
    const good = bundleFiles(compileWat(variantSource('good')));
    expect(await refusal(new TextEncoder().encode('plain text'))).toBe(`${SOURCE}: is not gzip-compressed (a policy pack is a .tar.gz, as \`opa build\` writes it)`);
    expect(await refusal(packTarGz({ ...good, 'run.sh': 'echo' }))).toBe(`${SOURCE}: holds run.sh, which is not part of a wasm policy bundle (.manifest, data.json, *.wasm, *.rego)`);
    expect(await refusal(packTarGz({ ...good, 'team/data.json': '{}' }))).toBe(`${SOURCE}: holds team/data.json: data below the root is not supported, put it all in /data.json`);
    const { '.manifest': _manifest, ...noManifest } = good;
    expect(await refusal(packTarGz(noManifest))).toBe(`${SOURCE}: has no .manifest (build it with \`opa build -t wasm -e stella/decision\`)`);
    expect(await refusal(packTarGz({ ...good, 'data.json': '[1]' }))).toBe(`${SOURCE}: data.json is not a JSON object`);
    const otherEntry = JSON.stringify({ wasm: [{ entrypoint: 'team/allow', module: '/policy.wasm' }] });
    expect(await refusal(packTarGz({ ...good, '.manifest': otherEntry }))).toBe(`${SOURCE}: .manifest names no module for the entrypoint stella/decision (it names: team/allow)`);
  });

  it('accepts Rego sources beside the module and a manifest without a wasm list', async () => {
    const good = bundleFiles(compileWat(variantSource('good')));
    const engine = await load(packTarGz({ ...good, '.manifest': '{"revision":"1"}', 'stella/decision.rego': 'package stella' }));
    expect((await engine.evaluate(sampleReport(), { now, exceptions: [] })).outcome.verdict).toBe('fail');
  });
});
