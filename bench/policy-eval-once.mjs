// Built-in policy evaluation of one target with N findings (default 1,000):
// 8 rules (KEV, VEX status, layers, EPSS, CVSS, ecosystem and age, purl
// patterns), 20 exceptions half expired; p50/p95 over RUNS evaluations
// after a warm-up, in one process.
// Usage: node bench/policy-eval-once.mjs [N] [RUNS]  →  {findings, runs, p50Ms, p95Ms, verdict}
import { loadPolicy } from '../dist/core/policy/registry.js';
import { benchReport, exceptions, POLICY } from './policy-fixture.mjs';

const N = Number(process.argv[2] ?? 1000);
const RUNS = Number(process.argv[3] ?? 1000);
const now = new Date('2025-06-01T00:00:00Z');
const engine = await loadPolicy(new TextEncoder().encode(POLICY), 'policies/bench.yaml');
const report = benchReport(N);
const context = { now, exceptions: exceptions(now) };
let decision;
for (let i = 0; i < 50; i++) decision = await engine.evaluate(report, context);
// Wall time, and the process's CPU time for the same call: on a shared machine the scheduler
// can stretch the wall time of any one run; CPU time shows what the evaluation itself costs.
const wall = [];
const cpu = [];
for (let i = 0; i < RUNS; i++) {
  const c = process.cpuUsage();
  const t = performance.now();
  decision = await engine.evaluate(report, context);
  wall.push(performance.now() - t);
  const used = process.cpuUsage(c);
  cpu.push((used.user + used.system) / 1000);
}
const at = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
console.log(
  JSON.stringify({ findings: N, runs: RUNS, p50Ms: at(wall, 0.5), p95Ms: at(wall, 0.95), cpuP50Ms: at(cpu, 0.5), cpuP95Ms: at(cpu, 0.95), verdict: decision.outcome.verdict, rssMB: process.memoryUsage().rss / 2 ** 20 }),
);
