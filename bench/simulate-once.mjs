// Simulation over N committed reports (default 1,000, 100 findings each): a
// state repository whose main holds a signed policy in force and the
// reports; the total time of `stella policy simulate`'s work (reading every
// report from Git, deciding it under the policy in force and a candidate,
// comparing) in one process, after the repository is built.
// Usage: node bench/simulate-once.mjs [N] [FINDINGS]  →  {reports, findings, ms, changedTargets}
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importPolicyFile } from '../dist/agent/policy/import.js';
import { simulateRepo } from '../dist/agent/policy/simulate.js';
import { loadKey } from '../dist/agent/repo/keystore.js';
import { initStateRepo } from '../dist/agent/repo/state-repo.js';
import { serializeReport } from '../dist/core/report/serialize.js';
import { benchReport, CANDIDATE, POLICY } from './policy-fixture.mjs';

const N = Number(process.argv[2] ?? 1000);
const FINDINGS = Number(process.argv[3] ?? 100);
const work = mkdtempSync(join(tmpdir(), 'stella-simulate-'));
try {
  const { repo, keyId } = await initStateRepo(join(work, 'state'), { node: 'bench', home: join(work, 'home') });
  const key = await loadKey(join(work, 'home'), keyId);
  writeFileSync(join(work, 'bench.yaml'), POLICY);
  writeFileSync(join(work, 'candidate.yaml'), CANDIDATE);
  await importPolicyFile(repo, { file: join(work, 'bench.yaml'), key, use: true, branch: 'main', now: new Date() });
  const changes = new Map();
  const encoder = new TextEncoder();
  for (let i = 0; i < N; i++) changes.set(`findings/node-${i % 10}/app-${i}/report.json`, encoder.encode(serializeReport(benchReport(FINDINGS, i * 13))));
  await repo.store.commit({ branch: 'main', changes, message: `${N} reports`, author: { name: 'bench', email: 'bench@example.invalid' } });
  const c = process.cpuUsage();
  const t = performance.now();
  const result = await simulateRepo(repo, { candidate: join(work, 'candidate.yaml'), ref: 'main', now: new Date('2025-06-01T00:00:00Z') });
  const ms = performance.now() - t;
  const used = process.cpuUsage(c);
  // CPU time beside wall time: on a shared machine the wall time also counts waiting for a core.
  console.log(JSON.stringify({ reports: result.reports, findings: result.findings, ms, cpuMs: (used.user + used.system) / 1000, changedTargets: result.changes.length, rssMB: process.memoryUsage().rss / 2 ** 20 }));
} finally {
  rmSync(work, { recursive: true, force: true });
}
