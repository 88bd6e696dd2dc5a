/**
 * Admission of a move from an admitted tip reads what the move adds, not
 * the branch's whole history: the edge admits a node's commit every few
 * seconds onto a branch that only grows. Checked against native git (which
 * commits are new) and against the full walk where the shortcut must not
 * apply (a merge, an admitted tip holding a root the trust ref never had).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, signingKeyFromPair, type SigningKey } from '../sign/keys.js';
import { ROOT_PATH } from '../trust/root.js';
import { CommitGraph } from '../verify/commits.js';
import { currentTrustRoot, loadTrust } from '../verify/trust-state.js';
import type { VerifyFailure } from '../verify/types.js';
import { verifyChange } from '../verify/verify-change.js';
import { tempRepo, git, type TempRepo } from '../../test/helpers/repo.js';
import { commitTrustChange } from '../../test/helpers/trust.js';
import { sampleReport, signedSubmission } from '../../edge/edge-harness.test-helper.js';
import { parseSubmission } from '../../edge/ingest/body.js';
import { verifySubmission } from '../../edge/ingest/verify.js';
import { admitRefMove } from './admit.js';

const execFileAsync = promisify(execFile);
const AUTHOR = { name: 'stella-edge', email: 'edge@n2' };
/** Commits already on the node's branch before the moves under test. */
const HISTORY = 1500;

let seed: TempRepo;
let stranger: TempRepo;
let nodeKey: SigningKey;
let dir: string;
let mainTip: string;
let longTip: string;
let scratches = 0;

/** A fresh branch name per commit: the tests build side commits on several bases. */
const scratch = (): string => `scratch/${scratches++}`;

/** Appends `count` commits (same tree) to `branch` on top of `from`, with native git's fast-import. */
async function stackEmptyCommits(branch: string, from: string, count: number): Promise<string> {
  const lines = [`reset refs/heads/${branch}\nfrom ${from}\n\n`];
  for (let i = 0; i < count; i++) {
    const message = `round ${i}`;
    lines.push(`commit refs/heads/${branch}\ncommitter t <t@example.invalid> ${1_700_000_000 + i} +0000\ndata ${message.length}\n${message}\n${i === 0 ? `from ${from}\n` : ''}\n`);
  }
  const child = execFile('git', ['fast-import', '--quiet'], { cwd: dir });
  child.stdin?.end(lines.join(''));
  await new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`fast-import exited ${code}`)))));
  return (await git(dir, 'rev-parse', branch)).trim();
}

/** A commit on agents/n2 holding one signed report, as a commit round makes it. */
async function reportCommit(parent: string, target: string, sequence: number): Promise<string> {
  const body = new TextEncoder().encode(JSON.stringify(await signedSubmission(nodeKey, 'n2', sampleReport(target), sequence)));
  const report = await verifySubmission(await currentTrustRoot(seed.repo.store, mainTip), 'n2', parseSubmission(body));
  const changes = new Map([...report.files].map(([name, bytes]) => [`${report.folder}/${name}`, bytes] as const));
  const { oid } = await seed.repo.store.commit({ branch: scratch(), parent, changes, message: `edge: ${target}\n`, author: AUTHOR });
  return oid;
}

async function revListCount(...args: string[]): Promise<number> {
  return Number((await git(dir, 'rev-list', '--count', ...args)).trim());
}

beforeAll(async () => {
  seed = await tempRepo('n1');
  stranger = await tempRepo('n9');
  dir = seed.repo.dir;
  nodeKey = await signingKeyFromPair(await generateKeyPair());
  await commitTrustChange(seed.repo, [{ $case: 'enroll', node: 'n2', publicKey: nodeKey.publicKeyPem }], [seed.key]);
  mainTip = (await seed.repo.store.branchTip('main')) as string;
  longTip = await stackEmptyCommits('agents/n2', mainTip, HISTORY);
}, 60_000);
afterAll(async () => {
  await seed?.cleanup();
  await stranger?.cleanup();
});

describe('CommitGraph.ancestors with a boundary', () => {
  it('lists and walks nothing beyond the commits it is told to stop at', async () => {
    const graph = new CommitGraph(seed.repo.store);
    const next = await reportCommit(longTip, 'app', 1);
    expect(await graph.ancestors(next, (commit) => commit === longTip)).toEqual([next]);
    expect(await graph.ancestors(next, (commit) => commit === next)).toEqual([]);
    const whole = await graph.ancestors(next);
    expect(whole.length).toBe(await revListCount(next));
    expect(whole.at(-1)).toBe(next);
  });
});

describe('admitting a move onto a long branch', () => {
  it('counts as new exactly the commits native git lists, for a move and for a new branch', async () => {
    const next = await reportCommit(longTip, 'app', 1);
    const moved = await admitRefMove(seed.repo.store, { ref: 'refs/heads/agents/n2', from: longTip, to: next }, { trust: mainTip });
    expect(moved.newCommits).toBe(await revListCount(next, `^${longTip}`, `^${mainTip}`));
    expect(moved.newCommits).toBe(1);
    const created = await admitRefMove(seed.repo.store, { ref: 'refs/heads/agents/n2', from: undefined, to: next }, { trust: mainTip });
    expect(created.newCommits).toBe(await revListCount(next, `^${mainTip}`));
    expect(created.newCommits).toBe(HISTORY + 1);
  });

  it('refuses a stacked commit that changes a path outside the node folder', async () => {
    const { oid } = await seed.repo.store.commit({ branch: scratch(), parent: longTip, changes: new Map([['nodes/n2/note.txt', new TextEncoder().encode('x')]]), message: 'outside\n', author: AUTHOR });
    await expect(admitRefMove(seed.repo.store, { ref: 'refs/heads/agents/n2', from: longTip, to: oid }, { trust: mainTip })).rejects.toMatchObject({
      code: 'VERIFY_FAILED',
      data: { rule: 'agent-scope', path: 'nodes/n2/note.txt' },
    });
  });

  it('judges a merge of a newer main by the branch change since the new merge base, not by the diff of the move', async () => {
    const report = await reportCommit(longTip, 'app', 1);
    await commitTrustChange(seed.repo, [{ $case: 'enroll', node: 'n3', publicKey: (await signingKeyFromPair(await generateKeyPair())).publicKeyPem }], [seed.key]);
    const newMain = (await seed.repo.store.branchTip('main')) as string;
    // The merge's tree: the new main plus the node's folder, built by native git in a scratch index.
    const index = join(seed.root, 'merge.index');
    const env = { ...process.env, GIT_INDEX_FILE: index };
    await execFileAsync('git', ['read-tree', newMain], { cwd: dir, env });
    await execFileAsync('git', ['read-tree', '--prefix=findings/n2/', `${report}:findings/n2`], { cwd: dir, env });
    const tree = (await execFileAsync('git', ['write-tree'], { cwd: dir, env })).stdout.trim();
    const merge = (await git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit-tree', tree, '-p', report, '-p', newMain, '-m', 'merge main')).trim();
    // The move's own diff touches trust/root.json (main's change), which the merge base accounts for.
    expect(await git(dir, 'diff', '--name-only', report, merge)).toContain(ROOT_PATH);
    const admitted = await admitRefMove(seed.repo.store, { ref: 'refs/heads/agents/n2', from: report, to: merge }, { trust: newMain });
    expect(admitted.newCommits).toBe(1);
  });
});

describe('the trust-root walk of a move', () => {
  it('still judges a root change the move itself makes', async () => {
    const { oid } = await seed.repo.store.commit({ branch: scratch(), parent: longTip, changes: new Map([[ROOT_PATH, null]]), message: 'drop the root\n', author: AUTHOR });
    const result = await verifyChange(seed.repo.store, { trustRef: 'main', trustTip: mainTip, from: longTip, to: oid, label: 'agents/n2' });
    expect(result.failures.map((f) => f.reason)).toEqual([expect.stringMatching(/deletes trust\/root\.json/)]);
  });

  it('walks the whole history when the admitted tip holds a root the trust ref never had', async () => {
    // An admitted tip that carries a foreign anchor (another mesh's version 1): a new commit's step
    // cannot be judged from a root this history never verified, so the full walk runs and finds the fork.
    const foreign = await readFile(join(stranger.repo.dir, ROOT_PATH));
    const { oid: forged } = await seed.repo.store.commit({ branch: scratch(), parent: longTip, changes: new Map([[ROOT_PATH, foreign]]), message: 'foreign root\n', author: AUTHOR });
    const next = await reportCommit(forged, 'app', 1);
    const result = await verifyChange(seed.repo.store, { trustRef: 'main', trustTip: mainTip, from: forged, to: next, label: 'agents/n2' });
    expect(result.failures.some((f) => f.where === `agents/n2:${ROOT_PATH}`)).toBe(true);
  });
});

describe("the trust ref's history, judged once per tip", () => {
  it('judges a newer tip by its own commits, still refusing a bad one, and never carries one mesh into another', async () => {
    const store = seed.repo.store;
    const failures: VerifyFailure[] = [];
    const before = (await store.branchTip('main')) as string;
    expect((await loadTrust(new CommitGraph(store), 'main', before, new Date(), failures))?.current.signed.version).toBeGreaterThan(1);
    // Another mesh in the same process: its own anchor is not a fork of the first mesh's.
    const strangerTip = (await stranger.repo.store.branchTip('main')) as string;
    expect((await loadTrust(new CommitGraph(stranger.repo.store), 'main', strangerTip, new Date(), failures))?.current.signed.version).toBe(1);
    expect(failures).toEqual([]);
    // A newer main that deletes the root is judged, with the clean history up to `before` remembered.
    const { oid: dropped } = await store.commit({ branch: scratch(), parent: before, changes: new Map([[ROOT_PATH, null]]), message: 'drop the root\n', author: AUTHOR });
    expect(await loadTrust(new CommitGraph(store), 'main', dropped, new Date(), failures)).toBeUndefined();
    expect(failures.map((f) => f.reason)).toContainEqual(expect.stringMatching(/deletes trust\/root\.json/));
  });

  it('is not changed by the branch checks that follow it: a bad move is refused every time', async () => {
    const { oid } = await seed.repo.store.commit({ branch: scratch(), parent: longTip, changes: new Map([[ROOT_PATH, null]]), message: 'drop the root\n', author: AUTHOR });
    const tip = (await seed.repo.store.branchTip('main')) as string;
    for (let i = 0; i < 2; i++) {
      const result = await verifyChange(seed.repo.store, { trustRef: 'main', trustTip: tip, from: longTip, to: oid, label: 'agents/n2' });
      expect(result.failures.map((f) => f.reason)).toEqual([expect.stringMatching(/deletes trust\/root\.json/)]);
    }
  });
});
