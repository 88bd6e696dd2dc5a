// Admission of one commit onto an agent branch that already has N commits, in
// a mesh whose main has N commits of its own (main holds every agent branch
// merged into it, and admission reads main's root chain):
// p50 of admitRefMove (the check every ref move passes; the edge runs it on
// every commit round) for a move that adds one commit, and, side by side, of
// native `git rev-list --count NEW ^OLD ^main` (a process that only lists the
// new commits) in the same repository. The goal is a cost flat with history:
// the admission of the 10,000th commit costs what the 100th does. The first
// admission in the process reads main's whole root chain once; the p50 is
// what every later one (an edge's every commit round) costs.
// Usage: node bench/admission-once.mjs N  →  {commits, admitP50Ms, revListP50Ms}
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { admitRefMove } from '../dist/core/admission/admit.js';
import { initStateRepo } from '../dist/agent/repo/state-repo.js';

const run = promisify(execFile);
const N = Number(process.argv[2] ?? 1000);
const SAMPLES = 21;
const NODE = 'bench-node';
const BRANCH = `agents/${NODE}`;
const work = mkdtempSync(join(tmpdir(), 'stella-admission-'));
const git = async (dir, ...args) => (await run('git', ['-C', dir, ...args], { maxBuffer: 64 << 20 })).stdout.trim();

/** `count` commits on `branch` (the same tree: rounds that changed nothing the check reads), via fast-import. */
async function grow(dir, branch, from, count) {
  const lines = [`reset refs/heads/${branch}\nfrom ${from}\n\n`];
  for (let i = 0; i < count; i++) {
    const message = `${branch} ${i}`;
    lines.push(`commit refs/heads/${branch}\ncommitter bench <bench@example.invalid> ${1_700_000_000 + i} +0000\ndata ${message.length}\n${message}\n${i === 0 ? `from ${from}\n` : ''}\n`);
  }
  const child = execFile('git', ['-C', dir, 'fast-import', '--quiet']);
  child.stdin.end(lines.join(''));
  await new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import exited ${code}`)))));
}

try {
  const { repo } = await initStateRepo(join(work, 'state'), { node: NODE, home: join(work, 'home') });
  const dir = repo.dir;
  await grow(dir, 'main', await git(dir, 'rev-parse', 'main'), N);
  const main = await git(dir, 'rev-parse', 'main');
  await grow(dir, BRANCH, main, N);
  const tree = await git(dir, 'rev-parse', 'main^{tree}');
  const ours = [];
  const native = [];
  let tip = await git(dir, 'rev-parse', BRANCH);
  for (let k = 0; k < SAMPLES; k++) {
    const next = await git(dir, '-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', 'commit-tree', tree, '-p', tip, '-m', `round ${N + k}`);
    let t = performance.now();
    await admitRefMove(repo.store, { ref: `refs/heads/${BRANCH}`, from: tip, to: next }, { trust: main });
    ours.push(performance.now() - t);
    t = performance.now();
    await git(dir, 'rev-list', '--count', next, `^${tip}`, `^${main}`);
    native.push(performance.now() - t);
    await git(dir, 'update-ref', `refs/heads/${BRANCH}`, next, tip);
    tip = next;
  }
  const p50 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(JSON.stringify({ commits: N, admitP50Ms: p50(ours), revListP50Ms: p50(native) }));
} finally {
  rmSync(work, { recursive: true, force: true });
}
