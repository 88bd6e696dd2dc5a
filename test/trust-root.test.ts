/**
 * Threshold-signed trust roots end to end, on real state repositories:
 * `stella trust` commands (in-process, as the CLI registers them), reports
 * committed by the scan path, `stella verify`'s checks, and native
 * `git fsck --strict` after every write.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildManifest, encodeManifest } from '../core/feeds/manifest.js';
import { sha256Hex } from '../core/sign/encoding.js';
import { signDetachedJws } from '../core/sign/jws.js';
import type { SigningKey } from '../core/sign/keys.js';
import { formatRoot, parseRoot, PENDING_ROOT_PATH, ROOT_PATH, type TrustRoot } from '../core/trust/root.js';
import { signRoot } from '../core/trust/rules.js';
import { initialRoot, stageRoot } from '../core/trust/stage.js';
import { verifyRepository, type VerifyResult } from '../core/verify/verify-repo.js';
import { registerTrust } from '../agent/cli/commands/trust.js';
import { createKey } from '../agent/repo/keystore.js';
import { AGENT_IDENTITY, MAIN_BRANCH, type StateRepo } from '../agent/repo/state-repo.js';
import { commitReport } from '../agent/scan/commit-report.js';
import { scanTarget } from '../agent/scan/scan.js';
import { fsckStrict, git, tempRepo, type TempRepo } from './helpers/repo.js';
import { rootsAt } from './helpers/trust.js';

let t: TempRepo;
beforeEach(async () => {
  t = await tempRepo('node-a');
  process.env['STELLA_HOME'] = t.home;
  delete process.env['STELLA_CONFIG'];
});
afterEach(() => t.cleanup());

/** Runs `stella trust …` in-process with this test's repository; resolves with the exit code. */
async function stellaTrust(...args: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('stella').option('--repo <dir>').option('-q, --quiet').option('--verbose').exitOverride();
  program.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  registerTrust(program, (result) => {
    exitCode = result.exitCode;
  });
  try {
    await program.parseAsync(['--repo', t.repo.dir, '-q', 'trust', ...args], { from: 'user' });
  } catch (error) {
    throw new Error(`stella trust ${args.join(' ')} failed: ${(error as Error).message}`);
  }
  return exitCode;
}

/** What a command printed on stdout (`trust show`). */
async function stdoutOf(run: () => Promise<unknown>): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array): boolean => {
    out += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    await run();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

/** A new key in this test's STELLA_HOME, with its public half in a PEM file. */
async function newKey(): Promise<{ key: SigningKey; pem: string }> {
  const key = await createKey(t.home);
  const pem = join(t.root, `${key.keyId}.pub.pem`);
  await writeFile(pem, key.publicKeyPem);
  return { key, pem };
}

let targets = 0;
/** Scans a one-component SBOM and commits the signed report on agents/<node>, as `stella scan --commit` does. */
async function report(node: string, key: SigningKey, repo: StateRepo = t.repo): Promise<string> {
  const file = join(t.root, `target-${++targets}.cdx.json`);
  await writeFile(file, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ type: 'library', name: 'left-pad', version: `1.${targets}.0`, purl: `pkg:npm/left-pad@1.${targets}.0` }] }));
  const committed = await commitReport(repo, await scanTarget(file, { name: `app-${targets}` }), { node, key });
  return committed.folder;
}

async function verifyAll(options: { main?: string; now?: Date } = {}): Promise<VerifyResult> {
  const branches = (await git(t.repo.dir, 'for-each-ref', '--format=%(refname:short)', 'refs/heads')).trim().split('\n');
  return verifyRepository(t.repo.store, { main: options.main ?? MAIN_BRANCH, branches, ...(options.now === undefined ? {} : { now: options.now }) });
}

async function commitFiles(branch: string, changes: Map<string, Uint8Array | null>, message: string, startFrom = MAIN_BRANCH): Promise<string> {
  const result = await t.repo.store.commit({ branch, startFrom, changes, message, author: AGENT_IDENTITY });
  return result.oid;
}

/** A small signed feed folder (feeds/kev/) as `stella feed import` writes one. */
async function feedChanges(signer: SigningKey): Promise<Map<string, Uint8Array>> {
  const data = new TextEncoder().encode('{"cveID":"CVE-2021-44228"}\n');
  const manifest = encodeManifest(buildManifest('kev', { 'catalog.jsonl': { sha256: await sha256Hex(data), records: 1 } }, {}, {}));
  return new Map([
    ['feeds/kev/catalog.jsonl', data],
    ['feeds/kev/manifest.json', manifest],
    ['feeds/kev/manifest.json.jws', new TextEncoder().encode(`${await signDetachedJws(manifest, signer)}\n`)],
  ]);
}

const mainRoot = async (): Promise<TrustRoot> => (await rootsAt(t.repo)).current;

describe('threshold-signed trust roots', () => {
  it('init writes trust/root.json version 1 (no signers.json) and verify passes', async () => {
    const root = await mainRoot();
    expect(root.signed.version).toBe(1);
    expect(root.signed.roles.root).toEqual({ keyids: [t.key.keyId], threshold: 1 });
    expect(root.signed.nodes).toEqual({ 'node-a': { keyids: [t.key.keyId] } });
    expect(Date.parse(root.signed.expires) - Date.now()).toBeGreaterThan(360 * 86_400_000);
    expect(await t.repo.store.readFile((await rootsAt(t.repo)).tip, 'trust/signers.json')).toBeUndefined();
    await report('node-a', t.key);
    await commitFiles(MAIN_BRANCH, await feedChanges(t.key), 'feed');
    const result = await verifyAll();
    expect(result.failures).toEqual([]);
    expect(result).toMatchObject({ reports: 1, manifests: 1 });
    await fsckStrict(t.repo.dir);
  });

  it('trust enroll adds a node key in one commit on main: its reports verify, an unenrolled node’s report fails naming the file', async () => {
    const b = await newKey();
    const before = await t.repo.store.branchTip(MAIN_BRANCH);
    expect(await stellaTrust('enroll', '--node', 'node-b', '--key', b.pem)).toBe(0);
    const { current, pending, tip } = await rootsAt(t.repo);
    expect(pending).toBeUndefined();
    expect(current.signed.version).toBe(2);
    expect(current.signed.nodes['node-b']).toEqual({ keyids: [b.key.keyId] });
    expect((await git(t.repo.dir, 'rev-list', `${before as string}..${tip}`)).trim().split('\n')).toHaveLength(1);
    // The work tree follows main, so `git status` stays clean.
    expect(await git(t.repo.dir, 'status', '--porcelain')).toBe('');

    await report('node-b', b.key);
    expect((await verifyAll()).failures).toEqual([]);

    const c = await newKey();
    const folder = await report('node-c', c.key);
    const failures = (await verifyAll()).failures;
    expect(failures).toHaveLength(1);
    expect(failures[0]?.where).toBe(`agents/node-c:${folder}/report.json`);
    expect(failures[0]?.reason).toMatch(/which is not enrolled for node node-c in trust root version 2/);
    await fsckStrict(t.repo.dir);
  });

  it('revoke: reports merged before the revocation stay valid; reports signed with the key afterwards fail', async () => {
    const b = await newKey();
    expect(await stellaTrust('enroll', '--node', 'node-b', '--key', b.pem)).toBe(0);
    const early = await report('node-b', b.key);
    // The pull request of agents/node-b is merged: the report is now part of main's history.
    await git(t.repo.dir, '-c', 'user.name=Reviewer', '-c', 'user.email=reviewer@example.invalid', 'merge', '--no-ff', '-q', '-m', 'Merge agents/node-b', 'agents/node-b');
    expect(await stellaTrust('revoke', '--key', b.key.keyId)).toBe(0);
    expect((await mainRoot()).signed.nodes['node-b']).toBeUndefined();
    expect((await verifyAll()).failures).toEqual([]);

    // agents/node-b still carries root version 2 in its tree, but cannot prove the new report predates the revocation.
    const late = await report('node-b', b.key);
    const lateFailures = (await verifyAll()).failures;
    expect(lateFailures.map((f) => f.where)).toEqual([`agents/node-b:${late}/report.json`]);
    expect(lateFailures[0]?.reason).toMatch(/not enrolled for node node-b in trust root version 3, current on main .*enrolled up to version 2, so it is revoked/);

    // A branch started after the revocation carries version 3 in its own tree.
    await git(t.repo.dir, 'branch', '-D', 'agents/node-b');
    const later = await report('node-b', b.key);
    const laterFailures = (await verifyAll()).failures;
    expect(laterFailures.map((f) => f.where)).toEqual([`agents/node-b:${later}/report.json`]);
    expect(laterFailures[0]?.reason).toMatch(/not enrolled for node node-b in trust root version 3/);
    expect([...lateFailures, ...laterFailures].some((f) => f.where.includes(early))).toBe(false);
    await fsckStrict(t.repo.dir);
  });

  it('rotate the root to 2 of 2 keys: pending until both sign; a later version signed by only one fails, by both passes', async () => {
    const b = await newKey();
    expect(await stellaTrust('rotate', '--role', 'root', '--add', b.pem, '--threshold', '2')).toBe(0);
    let roots = await rootsAt(t.repo);
    expect(roots.current.signed.version).toBe(1);
    expect(roots.pending?.signed.version).toBe(2);
    expect(roots.pending?.signatures.map((s) => s.keyid)).toEqual([t.key.keyId]);
    const shown = await stdoutOf(() => stellaTrust('show'));
    expect(shown).toContain('trust root version 1, expires');
    expect(shown).toContain(`version 2's root keys: 1 of 2 needed signatures (not met); signed: ${t.key.keyId.slice(0, 12)}…; not yet: ${b.key.keyId.slice(0, 12)}…`);
    expect(await stellaTrust('sign', '--as', b.key.keyId)).toBe(0);
    roots = await rootsAt(t.repo);
    expect(roots.pending).toBeUndefined();
    expect(roots.current.signed.roles.root).toEqual({ keyids: [t.key.keyId, b.key.keyId].sort(), threshold: 2 });
    expect((await verifyAll()).failures).toEqual([]);

    // Version 3 signed by one of the two root keys, forced into root.json on a branch.
    const half = await stageRoot({ current: roots.current, pending: undefined, edits: [{ $case: 'renew' }], signer: t.key, expires: '2099-01-01T00:00:00Z' });
    expect(half.complete).toBe(false);
    const bad = await commitFiles('trust/half-signed', new Map([[ROOT_PATH, formatRoot(half.root)]]), 'v3 with one signature');
    const halfResult = await verifyAll({ main: 'trust/half-signed' });
    expect(halfResult.failures[0]).toEqual({
      where: `trust/half-signed:${ROOT_PATH}`,
      reason: `commit ${bad.slice(0, 12)}: version 2's root keys must sign with threshold 2, but 1 valid signature was found`,
    });

    // The same version signed by both, through the pending file.
    expect(await stellaTrust('renew')).toBe(0);
    expect((await rootsAt(t.repo)).current.signed.version).toBe(2);
    expect(await stellaTrust('sign', '--as', b.key.keyId)).toBe(0);
    expect((await mainRoot()).signed.version).toBe(3);
    await git(t.repo.dir, 'branch', '-D', 'trust/half-signed');
    expect((await verifyAll()).failures).toEqual([]);
    await fsckStrict(t.repo.dir);
  });

  it('a tampered root.json (one changed byte in a key) fails, naming the commit', async () => {
    const root = new TextDecoder().decode(formatRoot(await mainRoot()));
    const at = root.indexOf('-----BEGIN PUBLIC KEY-----\\n') + 60;
    const tampered = `${root.slice(0, at)}${root[at] === 'A' ? 'B' : 'A'}${root.slice(at + 1)}`;
    const commit = await commitFiles(MAIN_BRANCH, new Map([[ROOT_PATH, new TextEncoder().encode(tampered)]]), 'tamper');
    const failures = (await verifyAll()).failures;
    expect(failures[0]?.where).toBe(`main:${ROOT_PATH}`);
    expect(failures[0]?.reason).toMatch(new RegExp(`^commit ${commit.slice(0, 12)}: .*signed\\.keys\\.${t.key.keyId.slice(0, 12)}… (holds key|is not a usable)`));
    expect(failures.at(-1)?.reason).toMatch(/current trust root does not verify/);
    await fsckStrict(t.repo.dir);
  });

  it('an expired root fails every check with the renew message, and trust renew fixes it', async () => {
    const folder = await report('node-a', t.key);
    await commitFiles(MAIN_BRANCH, await feedChanges(t.key), 'feed');
    const inTwoYears = new Date(Date.now() + 2 * 365 * 86_400_000);
    const expired = await verifyAll({ now: inTwoYears });
    const expires = (await mainRoot()).signed.expires;
    expect(expired.failures.map((f) => f.where).sort()).toEqual([`agents/node-a:${folder}/report.json`, `main:${ROOT_PATH}`, 'main:feeds/kev/manifest.json', 'main:stella.yaml'].sort());
    for (const failure of expired.failures) expect(failure.reason).toBe(`trust root expired on ${expires}: renew it (stella trust renew)`);
    expect(await stellaTrust('renew', '--days', '1000')).toBe(0);
    expect((await verifyAll({ now: inTwoYears })).failures).toEqual([]);
    await fsckStrict(t.repo.dir);
  });

  it('a root.json rewritten on an agent branch without the root keys’ signatures fails naming the commit, and so do the reports under it', async () => {
    const attacker = await newKey();
    const current = await mainRoot();
    const forged = await stageRoot({
      current,
      pending: undefined,
      edits: [{ $case: 'enroll', node: 'node-x', publicKey: attacker.key.publicKeyPem }],
      signer: undefined,
      expires: current.signed.expires,
    });
    const selfSigned: TrustRoot = { signed: forged.root.signed, signatures: [await signRoot(forged.root.signed, attacker.key)] };
    const commit = await commitFiles('agents/node-x', new Map([[ROOT_PATH, formatRoot(selfSigned)]]), 'enrol myself');
    const folder = await report('node-x', attacker.key);
    const failures = (await verifyAll()).failures;
    expect(failures).toContainEqual({ where: `agents/node-x:${ROOT_PATH}`, reason: `commit ${commit.slice(0, 12)}: version 1's root keys must sign with threshold 1, but 0 valid signatures were found` });
    expect(failures.some((f) => f.where === `agents/node-x:${folder}/report.json`)).toBe(true);

    // Rewriting version 1 in place, or a history of its own with a new version 1 (a fork of the anchor), fails too.
    const own = await initialRoot({ key: attacker.key, node: 'node-y', expires: current.signed.expires });
    const inPlace = await commitFiles('agents/node-y', new Map([[ROOT_PATH, formatRoot(own)]]), 'my own root');
    const orphan = await commitFiles('agents/node-z', new Map([[ROOT_PATH, formatRoot(own)]]), 'my own history', 'no-such-branch');
    const forkFolder = await report('node-z', attacker.key);
    const all = (await verifyAll()).failures;
    expect(all).toContainEqual({ where: `agents/node-y:${ROOT_PATH}`, reason: `commit ${inPlace.slice(0, 12)}: trust root version 1 changed in place; a change must be version 2, signed by the root keys` });
    const forkFailure = all.find((f) => f.where === `agents/node-z:${ROOT_PATH}`);
    expect(forkFailure?.reason).toMatch(new RegExp(`^commit ${orphan.slice(0, 12)}: trust root version 1 differs from the version 1 of commit [0-9a-f]{12}: the trust root forked$`));
    expect(all.some((f) => f.where === `agents/node-z:${forkFolder}/report.json`)).toBe(true);
    await fsckStrict(t.repo.dir);
  });

  it('a feed manifest signed by a key without the feeds role fails; policies need the policies role', async () => {
    const b = await newKey();
    expect(await stellaTrust('enroll', '--node', 'node-b', '--key', b.pem)).toBe(0);
    await commitFiles(MAIN_BRANCH, await feedChanges(b.key), 'feed signed by a node key');
    const policy = new TextEncoder().encode('deny: critical\n');
    await commitFiles(MAIN_BRANCH, new Map([['policies/gate.yaml', policy]]), 'unsigned policy');
    let failures = (await verifyAll()).failures;
    expect(failures).toEqual([
      { where: 'main:feeds/kev/manifest.json', reason: `signed by key ${b.key.keyId.slice(0, 12)}…, which does not hold the feeds role in trust root version 2` },
      { where: 'main:policies/gate.yaml', reason: 'unsigned: gate.yaml.jws is missing' },
    ]);
    await commitFiles(MAIN_BRANCH, new Map([...(await feedChanges(t.key)), ['policies/gate.yaml.jws', new TextEncoder().encode(`${await signDetachedJws(policy, t.key)}\n`)]]), 're-signed');
    const result = await verifyAll();
    expect(result.failures).toEqual([]);
    expect(result).toMatchObject({ manifests: 1, policies: 1 });
    await fsckStrict(t.repo.dir);
  });

  it('trust show prints the root as JSON; revoking the last root key is refused with nothing changed; --branch leaves main alone', async () => {
    const json = JSON.parse(await stdoutOf(() => stellaTrust('show', '--format', 'json'))) as { root: TrustRoot; pending: null };
    expect(json).toMatchObject({ root: await mainRoot(), pending: null });
    const tip = await t.repo.store.branchTip(MAIN_BRANCH);
    await expect(stellaTrust('revoke', '--key', t.key.keyId)).rejects.toThrow(/use `stella trust rotate --role feeds/);
    expect(await t.repo.store.branchTip(MAIN_BRANCH)).toBe(tip);
    // A branch for a pull request: the change lands there, not on main.
    const b = await newKey();
    expect(await stellaTrust('enroll', '--node', 'node-b', '--key', b.pem, '--branch', 'trust/enrol-node-b')).toBe(0);
    expect(await t.repo.store.branchTip(MAIN_BRANCH)).toBe(tip);
    expect((await rootsAt(t.repo, 'trust/enrol-node-b')).current.signed.version).toBe(2);
    expect((await verifyAll()).failures).toEqual([]);
    const file = parseRoot(await readFile(join(t.repo.dir, ROOT_PATH)));
    expect(file.signed.version).toBe(1);
    expect(await t.repo.store.readFile(tip as string, PENDING_ROOT_PATH)).toBeUndefined();
  });
});
