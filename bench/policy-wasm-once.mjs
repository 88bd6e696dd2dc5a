// OPA wasm policy evaluation of one target with 1,000 findings: p50/p95 over
// 1,000 runs, through the agent's real path (a worker thread with a
// deadline: the report is serialised, posted, evaluated by the module and
// the answer checked), and the same module in-process for comparison.
// The module is the project's own ABI-1.2 policy (core/policy/opa/fixtures/
// stella-decision.wat: fail on KEV or CRITICAL, warn on HIGH), compiled with
// wat2wasm and packed by GNU tar as `opa build` lays a bundle out.
// Usage: node bench/policy-wasm-once.mjs [findings] [runs]  →  {findings, runs, workerP50Ms, workerP95Ms, workerCpuMs, inProcess…, loadAverage}
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOpaPolicy } from '../dist/agent/policy/opa/load.js';
import { openOpaPolicy } from '../dist/core/policy/opa/engine.js';
import { inProcessRunner } from '../dist/core/policy/opa/runner.js';

const FINDINGS = Number(process.argv[2] ?? 1000);
const RUNS = Number(process.argv[3] ?? 1000);
const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'stella-opa-bench-'));

function buildPack() {
  const dir = join(work, 'in');
  mkdirSync(dir);
  execFileSync('wat2wasm', [join(root, 'core/policy/opa/fixtures/stella-decision.wat'), '-o', join(dir, 'policy.wasm')]);
  writeFileSync(join(dir, 'data.json'), '{}');
  writeFileSync(join(dir, '.manifest'), JSON.stringify({ wasm: [{ entrypoint: 'stella/decision', module: '/policy.wasm' }] }));
  const out = join(work, 'bundle.tar.gz');
  execFileSync('tar', ['-P', '--transform', 's,^,/,', '--format=ustar', '-czf', out, '-C', dir, '.manifest', 'data.json', 'policy.wasm']);
  return new Uint8Array(readFileSync(out));
}

const LEVELS = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'MEDIUM'];
function report(n) {
  const findings = [];
  const components = [];
  for (let i = 0; i < n; i++) {
    const purl = `pkg:npm/package-${i}@1.${i % 10}.0`;
    components.push({ purl, name: `package-${i}`, version: `1.${i % 10}.0`, type: 'npm', layer: `sha256:${'a'.repeat(64)}`, locations: [`app/node_modules/package-${i}/package.json`] });
    findings.push({
      id: `GHSA-${String(i).padStart(4, '0')}-abcd-efgh`,
      aliases: [`CVE-2024-${10000 + i}`],
      purl,
      name: `package-${i}`,
      installed: `1.${i % 10}.0`,
      fixed: `1.${i % 10}.1`,
      severity: { level: LEVELS[i % LEVELS.length], source: 'cvss', cvss: [{ type: 'CVSS_V3', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 }] },
      summary: 'Prototype pollution in a deep merge helper allows an attacker to change object behaviour',
      ...(i % 50 === 0 ? { kev: { dateAdded: '2024-01-10', dueDate: '2024-01-31', knownRansomwareCampaignUse: 'Unknown' } } : {}),
      ...(i % 7 === 0 ? { epss: { score: 0.2, percentile: 0.9 } } : {}),
      ...(i % 11 === 0 ? { status: 'not_affected', justification: 'vulnerable_code_not_present', statusSource: 'vex/app.json#1' } : {}),
    });
  }
  return {
    schema: 'stella.report/v1',
    tool: { name: 'stella', version: '0.1.0' },
    target: { kind: 'oci-archive', name: 'shop/web:2.1', digest: `sha256:${'e'.repeat(64)}` },
    inputs: { feed: null },
    summary: { components: n, findings: n, severities: {} },
    coverage: { ecosystems: [], unchecked: [] },
    components,
    findings,
    warnings: [],
  };
}

async function measure(engine, target) {
  const context = { now: new Date('2026-06-01T00:00:00Z'), exceptions: [] };
  for (let i = 0; i < 20; i++) await engine.evaluate(target, context);
  const times = [];
  let verdict;
  const cpu = process.cpuUsage();
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const decision = await engine.evaluate(target, context);
    times.push(performance.now() - t);
    verdict = decision.outcome.verdict;
  }
  if (verdict !== 'fail') throw new Error(`expected the verdict fail, got ${verdict}`);
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  // CPU time of every thread of the process per run: what an evaluation costs whatever else the machine runs.
  return { p50: times[Math.floor(RUNS * 0.5)], p95: times[Math.floor(RUNS * 0.95)], cpuMs: (used.user + used.system) / 1000 / RUNS };
}

try {
  const pack = buildPack();
  const target = report(FINDINGS);
  const worker = await loadOpaPolicy(pack, 'bench/bundle.tar.gz');
  const viaWorker = await measure(worker, target);
  await worker.close();
  const inProcess = await measure(await openOpaPolicy(pack, 'bench/bundle.tar.gz', { runner: inProcessRunner }), target);
  console.log(
    JSON.stringify({
      findings: FINDINGS,
      runs: RUNS,
      workerP50Ms: viaWorker.p50,
      workerP95Ms: viaWorker.p95,
      workerCpuMs: viaWorker.cpuMs,
      inProcessP50Ms: inProcess.p50,
      inProcessP95Ms: inProcess.p95,
      inProcessCpuMs: inProcess.cpuMs,
      loadAverage: loadavg()[0],
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
