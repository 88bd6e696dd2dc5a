/**
 * Offline Update Kits end to end, on real state repositories with real OSV
 * advisories: export from site A, import into site B (another mesh, whose
 * trust root lets A's key sign feeds and policies) and into M (a clone of
 * A: the same mesh), then `verifyRepository` and native `git fsck --strict`.
 * Every hostile kit must be refused with the repository exactly as it was:
 * refs, index status and every work-tree byte.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStellaError } from '../../core/errors.js';
import { sortedJson } from '../../core/json/sorted.js';
import { signDetachedJws, verifyDetachedJws } from '../../core/sign/jws.js';
import { formatRoot, parseRoot, ROOT_PATH } from '../../core/trust/root.js';
import { signRoot } from '../../core/trust/rules.js';
import { verifyRepository } from '../../core/verify/verify-repo.js';
import { importOsv } from '../feeds/import-osv.js';
import { AGENT_IDENTITY, MAIN_BRANCH, openStateRepo, type StateRepo } from '../repo/state-repo.js';
import { syncWorktree } from '../repo/worktree.js';
import { registerKit } from '../cli/commands/kit.js';
import type { CommandResult } from '../cli/context.js';
import { sharedData } from '../../test/helpers/paths.js';
import { fsckStrict, git, tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import { exportKit } from './export.js';
import { importKit, type ImportKitOptions } from './import.js';
import { KIT_FOLDERS, KIT_MANIFEST_PATH, KIT_SIGNATURE_PATH } from './layout.js';
import { parseKitManifest, type KitManifest } from './manifest.js';
import { changeTrust, snapshot, tarOf, trustForFeeds, untar, type TarItem } from './kit.test-helper.js';

const CRAN = join(sharedData, 'osv', 'CRAN', 'all.zip');
const SWIFT = join(sharedData, 'osv', 'SwiftURL', 'all.zip');
const POLICY = 'policies/gate.yaml';

let a: TempRepo; // the connected site
let b: TempRepo; // an air-gapped site of another mesh, trusting A's key for feeds and policies
let stranger: TempRepo; // a site nobody trusts
const repos: TempRepo[] = [];
let kit1: string;

async function repo(node: string): Promise<TempRepo> {
  const made = await tempRepo(node);
  repos.push(made);
  return made;
}

/** Commits on A's main, as a person's merged pull request would. */
async function commitOnA(files: Record<string, string | null>): Promise<void> {
  const tip = (await a.repo.store.branchTip(MAIN_BRANCH)) as string;
  const changes = new Map(Object.entries(files).map(([path, text]) => [path, text === null ? null : new TextEncoder().encode(text)]));
  await a.repo.store.commit({ branch: MAIN_BRANCH, parent: tip, changes, message: `change ${Object.keys(files).join(', ')}`, author: AGENT_IDENTITY });
  await syncWorktree(a.repo, MAIN_BRANCH, tip, changes);
}

/** Where each member's body sits in a tar written by the exporter (plain ustar headers, no pax). */
function bodies(raw: Buffer): { name: string; start: number; size: number }[] {
  const out: { name: string; start: number; size: number }[] = [];
  for (let at = 0; at + 512 <= raw.length && raw[at] !== 0; ) {
    const name = raw.toString('latin1', at, at + 100).replace(/\0.*$/s, '');
    const size = parseInt(raw.toString('latin1', at + 124, at + 136).replace(/[\0 ]+$/, ''), 8);
    out.push({ name, start: at + 512, size });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** Imports `file` into `target`, expects a one-line StellaError with `code`, and checks nothing moved. */
async function expectRefused(target: { dir: string; repo: StateRepo }, file: string, code: string, message?: RegExp, options?: ImportKitOptions): Promise<void> {
  const before = await snapshot(target.dir);
  const error = await importKit(target.repo, file, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isStellaError(error), `${file} was accepted`).toBe(true);
  const { code: actual, message: text } = error as { code: string; message: string };
  expect(actual, text).toBe(code);
  expect(text).not.toContain('\n');
  if (message !== undefined) expect(text).toMatch(message);
  expect(await snapshot(target.dir)).toBe(before);
}

const site = (t: TempRepo): { dir: string; repo: StateRepo } => ({ dir: t.repo.dir, repo: t.repo });

/** A variant of kit1 built from its entries. */
async function variant(name: string, edit: (items: TarItem[]) => TarItem[] | Promise<TarItem[]>, from = kit1): Promise<string> {
  const items = (await untar(await readFile(from))).map(({ name: n, body, type, header }) => ({ name: n, body, type, mtime: header.mtime }) as TarItem);
  const file = join(a.root, name);
  await writeFile(file, await tarOf(await edit(items)));
  return file;
}

/** A variant whose manifest is re-listed and re-signed with A's (trusted) key: only the deeper checks can refuse it. */
async function resigned(name: string, edit: (items: TarItem[]) => TarItem[], from = kit1): Promise<string> {
  return variant(
    name,
    async (items) => {
      const edited = edit(items).filter((i) => i.name !== KIT_MANIFEST_PATH && i.name !== KIT_SIGNATURE_PATH);
      const old = parseKitManifest(items.find((i) => i.name === KIT_MANIFEST_PATH)?.body as Buffer, name);
      const manifest: KitManifest = {
        ...old,
        files: edited.map((i) => ({ path: i.name, size: (i.body as Buffer).length, sha256: createHash('sha256').update(i.body as Buffer).digest('hex') })),
      };
      const bytes = Buffer.from(sortedJson(manifest));
      const jws = Buffer.from(`${await signDetachedJws(bytes, a.key)}\n`);
      return [...edited, { name: KIT_MANIFEST_PATH, body: bytes }, { name: KIT_SIGNATURE_PATH, body: jws }];
    },
    from,
  );
}

/** A file with the `.jws` that A's key (which holds the policies role) signs it with. */
async function signedByA(path: string, content: string): Promise<Record<string, string>> {
  return { [path]: content, [`${path}.jws`]: `${await signDetachedJws(new TextEncoder().encode(content), a.key)}\n` };
}

async function manifestOf(file: string): Promise<KitManifest> {
  return parseKitManifest((await untar(await readFile(file))).find((e) => e.name === KIT_MANIFEST_PATH)?.body as Buffer, file);
}

beforeAll(async () => {
  a = await repo('site-a');
  b = await repo('site-b');
  stranger = await repo('stranger');
  await importOsv(a.repo, [CRAN], { key: a.key });
  await commitOnA({
    ...(await signedByA('vex/cran.openvex.json', '{"@context":"https://openvex.dev/ns/v0.2.0","statements":[]}\n')),
    ...(await signedByA(POLICY, 'severity: high\n')),
  });
  await importOsv(stranger.repo, [CRAN], { key: stranger.key });
  await trustForFeeds(b.repo, b.key, a.key);
  kit1 = join(a.root, 'kit1.tar');
  await exportKit(a.repo, { output: kit1, key: a.key });
});
afterAll(async () => {
  for (const r of repos) await r.cleanup();
});

describe('stella kit export', () => {
  it('writes byte-identical kits when the same ref is exported twice', async () => {
    const again = join(a.root, 'kit1-again.tar');
    await exportKit(a.repo, { output: again, key: a.key });
    expect((await readFile(again)).equals(await readFile(kit1))).toBe(true);
  });

  it('holds every kit file of the ref, sorted, as plain files with fixed owner and time', async () => {
    const entries = await untar(await readFile(kit1));
    const names = entries.map((e) => e.name);
    expect(names).toEqual([...names].sort());
    const tip = (await a.repo.store.branchTip(MAIN_BRANCH)) as string;
    // stella.yaml is signed by the policies role since verify checks it; its signature travels with it.
    const expected = ['stella.yaml', 'stella.yaml.jws', KIT_MANIFEST_PATH, KIT_SIGNATURE_PATH];
    for (const folder of KIT_FOLDERS) for (const f of await a.repo.store.walkFiles(tip, folder)) expected.push(f.path);
    expect(names).toEqual(expected.sort());
    expect(names).toEqual(expect.arrayContaining(['feeds/osv/manifest.json', 'vex/cran.openvex.json', POLICY, ROOT_PATH]));
    expect(names.some((n) => n.startsWith('findings/') || n.startsWith('nodes/'))).toBe(false);
    const committed = Number((await git(a.repo.dir, 'log', '-1', '--format=%ct')).trim());
    for (const { header } of entries) {
      expect(header).toMatchObject({ type: 'file', uid: 0, gid: 0, mode: 0o644, uname: '', gname: '' });
      expect(header.mtime.getTime()).toBe(committed * 1000);
    }
  });

  it('lists each file with size and SHA-256 in a canonical manifest signed by the exporting key', async () => {
    const entries = await untar(await readFile(kit1));
    const bytes = entries.find((e) => e.name === KIT_MANIFEST_PATH)?.body as Buffer;
    const manifest = parseKitManifest(bytes, 'kit1');
    expect(sortedJson(JSON.parse(bytes.toString('utf8')))).toBe(bytes.toString('utf8'));
    const tip = (await a.repo.store.branchTip(MAIN_BRANCH)) as string;
    const sequence = Number((await git(a.repo.dir, 'rev-list', '--count', '--first-parent', tip)).trim());
    expect(manifest.source).toMatchObject({ commit: tip, ref: MAIN_BRANCH, sequence });
    expect(manifest.source.trustAnchor).toMatch(/^[0-9a-f]{64}$/);
    const yaml = manifest.files.find((f) => f.path === 'stella.yaml');
    expect(yaml).toEqual({ path: 'stella.yaml', size: (await readFile(join(a.repo.dir, 'stella.yaml'))).length, sha256: createHash('sha256').update(await readFile(join(a.repo.dir, 'stella.yaml'))).digest('hex') });
    const jws = (entries.find((e) => e.name === KIT_SIGNATURE_PATH)?.body as Buffer).toString('utf8').trim();
    await expect(verifyDetachedJws(jws, bytes, new Map([[a.key.keyId, a.key.publicKeyPem]]))).resolves.toEqual({ kid: a.key.keyId });
  });

  it('reports an output folder it cannot write to in one line, leaving nothing behind', async () => {
    const error = await exportKit(a.repo, { output: join(a.root, 'no-such-folder', 'k.tar'), key: a.key }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/^cannot write \S*no-such-folder\/k\.tar: the folder \S*no-such-folder does not exist$/) });
  });

  it('refuses to sign with a key that does not hold the feeds role', async () => {
    const other = await repo('reports-only');
    await changeTrust(other.repo, [{ $case: 'enroll', node: 'stranger', publicKey: stranger.key.publicKeyPem }], [other.key]);
    const error = await exportKit(other.repo, { output: join(other.root, 'k.tar'), key: stranger.key }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KEY_NOT_FOUND' });
  });
});

describe('stella kit import refuses, leaving the repository as it was', () => {
  it('one changed byte in any file of the kit', async () => {
    const raw = await readFile(kit1);
    const members = bodies(raw);
    expect(members.length).toBeGreaterThan(10);
    for (const { name, start, size } of members) {
      expect(size, name).toBeGreaterThan(0);
      const damaged = Buffer.from(raw);
      const at = start + Math.floor(size / 2);
      damaged[at] = (damaged[at] as number) ^ 0x01;
      const file = join(a.root, 'flipped.tar');
      await writeFile(file, damaged);
      await expectRefused(site(b), file, name.startsWith('kit/') ? 'SIGNATURE_INVALID' : 'DIGEST_MISMATCH');
    }
  });

  it('a changed byte in a header, in padding, or after the end', async () => {
    const raw = await readFile(kit1);
    const padded = bodies(raw).find((m) => m.size % 512 !== 0) as { start: number; size: number };
    for (const at of [0, 124 + 5, padded.start + padded.size, raw.length - 1, raw.length - 700]) {
      const damaged = Buffer.from(raw);
      damaged[at] = (damaged[at] as number) ^ 0x40;
      const file = join(a.root, 'header.tar');
      await writeFile(file, damaged);
      await expectRefused(site(b), file, 'TAR_CORRUPT');
    }
  });

  it('a truncated tar, wherever it is cut', async () => {
    const raw = await readFile(kit1);
    for (const length of [0, 100, 512, Math.floor(raw.length / 2), raw.length - 1024, raw.length - 512, raw.length - 1]) {
      const file = join(a.root, 'truncated.tar');
      await writeFile(file, raw.subarray(0, length));
      await expectRefused(site(b), file, 'TAR_CORRUPT', /truncated|empty/);
    }
  });

  it('a compressed kit', async () => {
    const file = join(a.root, 'kit.tar.gz');
    await writeFile(file, gzipSync(await readFile(kit1)));
    await expectRefused(site(b), file, 'TAR_CORRUPT');
  });

  it('a kit signed by a key the receiving repository does not trust', async () => {
    const file = join(stranger.root, 'stranger.tar');
    await exportKit(stranger.repo, { output: file, key: stranger.key });
    await expectRefused(site(b), file, 'SIGNATURE_INVALID', /does not hold the feeds role/);
  });

  it('a kit signed by a key trusted only for reports', async () => {
    const reportsOnly = await repo('site-c');
    await changeTrust(reportsOnly.repo, [{ $case: 'enroll', node: 'site-a', publicKey: a.key.publicKeyPem }], [reportsOnly.key]);
    await expectRefused(site(reportsOnly), kit1, 'SIGNATURE_INVALID', /does not hold the feeds role/);
  });

  it('an added file the manifest does not list', async () => {
    const file = await variant('unlisted.tar', (items) => [...items, { name: 'vex/extra.json', body: Buffer.from('{}\n') }]);
    await expectRefused(site(b), file, 'VERIFY_FAILED', /'vex\/extra.json' is not listed/);
  });

  it('an extra signature line that does not verify', async () => {
    const file = await variant('extra-line.tar', (items) =>
      items.map((i) => {
        if (i.name !== KIT_SIGNATURE_PATH) return i;
        // The valid line, then a well-formed copy with one signature character changed.
        const line = (i.body as Buffer).toString().trimEnd();
        const at = line.length - 20;
        const bad = `${line.slice(0, at)}${line[at] === 'A' ? 'B' : 'A'}${line.slice(at + 1)}`;
        return { ...i, body: Buffer.from(`${line}\n${bad}\n`) };
      }),
    );
    await expectRefused(site(b), file, 'SIGNATURE_INVALID');
  });

  it('a listed file missing from the kit', async () => {
    const file = await variant('missing.tar', (items) => items.filter((i) => i.name !== 'vex/cran.openvex.json'));
    await expectRefused(site(b), file, 'VERIFY_FAILED', /'vex\/cran.openvex.json' is listed in the signed manifest but missing/);
  });

  it('an empty directory the manifest does not account for', async () => {
    const file = await variant('dir.tar', (items) => [{ name: 'exceptions/empty', type: 'directory' }, ...items]);
    await expectRefused(site(b), file, 'VERIFY_FAILED', /directory 'exceptions\/empty'/);
  });

  it.each([
    ['a path with ..', { name: 'feeds/../../../evil.txt', body: Buffer.from('x') }, /'\.\.' segment/],
    ['an absolute path', { name: '/tmp/evil.txt', body: Buffer.from('x') }, /is absolute/],
    ['a .git path', { name: '.git/hooks/post-checkout', body: Buffer.from('x') }, /\.git/],
    ['a symlink entry', { name: 'feeds/osv/link', type: 'symlink', linkname: '/etc/passwd' }, /symbolic link/],
    ['a hard link entry', { name: 'vex/hard', type: 'link', linkname: 'stella.yaml' }, /hard link/],
    ['a device entry', { name: 'vex/dev', type: 'character-device' }, /device file/],
    ['a duplicate path', { name: 'stella.yaml', body: Buffer.from('mesh: evil\n') }, /twice/],
  ] as [string, TarItem, RegExp][])('%s', async (_label, extra, message) => {
    const file = await variant('hostile.tar', (items) => [...items, extra]);
    await expectRefused(site(b), file, 'PATH_UNSAFE', message);
  });

  it('a file over the size limit', async () => {
    await expectRefused(site(b), kit1, 'LIMIT_EXCEEDED', /over the limit/, { limits: { maxFileBytes: 256 } });
  });

  it('a signed kit listing a path outside what a kit carries', async () => {
    const file = await resigned('findings.tar', (items) => [...items, { name: 'findings/site-b/app/report.json', body: Buffer.from('{}\n') }]);
    await expectRefused(site(b), file, 'VERIFY_FAILED', /outside what a kit carries/);
  });

  it('a signed kit with a policy its signature does not cover', async () => {
    const file = await resigned('policy.tar', (items) => items.map((i) => (i.name === POLICY ? { ...i, body: Buffer.from('severity: none\n') } : i)));
    await expectRefused(site(b), file, 'SIGNATURE_INVALID', /policies\/gate\.yaml\.jws/);
  });

  it.each(['stella.yaml', 'vex/app.openvex.json', 'exceptions/web.yaml'])('a signed kit with %s changed or added without the policies signature', async (path) => {
    const name = `unsigned-${path.replace(/\W/g, '-')}.tar`;
    const file = await resigned(name, (items) =>
      items.some((i) => i.name === path)
        ? items.map((i) => (i.name === path ? { ...i, body: Buffer.concat([i.body as Buffer, Buffer.from('# changed\n')]) } : i))
        : [...items, { name: path, body: Buffer.from('{}\n') }].sort((x, y) => (x.name < y.name ? -1 : 1)),
    );
    const escaped = path.replace(/\./g, '\\.');
    await expectRefused(site(b), file, 'SIGNATURE_INVALID', new RegExp(`${escaped}(\\.jws| is unsigned)`));
  });

  it('a signed kit whose OSV shard differs from its signed feed manifest', async () => {
    const file = await resigned('shard.tar', (items) => {
      const shard = items.find((i) => i.name.startsWith('feeds/osv/shards/'))?.name;
      return items.map((i) => (i.name === shard ? { ...i, body: Buffer.concat([i.body as Buffer, Buffer.from('{}\n')]) } : i));
    });
    await expectRefused(site(b), file, 'DIGEST_MISMATCH', /feed manifest says/);
  });

  it('a stale kit when a maximum age is asked for', async () => {
    const now = new Date(Date.parse((await manifestOf(kit1)).source.committed) + 10 * 86_400_000);
    await expectRefused(site(b), kit1, 'VERIFY_FAILED', /stale/, { maxAgeDays: 7, now });
  });

  it('a kit that would drop advisories the repository holds', async () => {
    const e = await repo('site-e');
    await importOsv(e.repo, [CRAN, SWIFT], { key: e.key });
    await trustForFeeds(e.repo, e.key, a.key);
    await expectRefused(site(e), kit1, 'VERIFY_FAILED', /rollback: it drops \d+ \(/);
  });
});

describe('stella kit import applies', () => {
  it("a trusted kit as one commit on main: B's kit folders equal A's, B keeps its own trust, verify and git fsck pass", async () => {
    const before = (await b.repo.store.branchTip(MAIN_BRANCH)) as string;
    const trustBefore = await b.repo.store.walkFiles(before, 'trust');
    const summary = await importKit(b.repo, kit1);
    expect(summary).toMatchObject({ status: 'applied', trust: 'kept', signers: [a.key.keyId] });
    const tip = (await b.repo.store.branchTip(MAIN_BRANCH)) as string;
    expect(tip).toBe(summary.commit);
    expect((await git(b.repo.dir, 'rev-parse', `${tip}^`)).trim()).toBe(before);
    const aTip = (await a.repo.store.branchTip(MAIN_BRANCH)) as string;
    for (const folder of KIT_FOLDERS.filter((f) => f !== 'trust')) expect(await b.repo.store.walkFiles(tip, folder)).toEqual(await a.repo.store.walkFiles(aTip, folder));
    expect(await b.repo.store.walkFiles(tip, 'trust')).toEqual(trustBefore);
    expect(await b.repo.store.readFile(tip, 'stella.yaml')).toEqual(await a.repo.store.readFile(aTip, 'stella.yaml'));
    expect(Buffer.from((await b.repo.store.readFile(tip, KIT_MANIFEST_PATH)) as Uint8Array).equals((await manifestBytes(kit1)) as Buffer)).toBe(true);
    const result = await verifyRepository(b.repo.store, { main: MAIN_BRANCH, branches: [] });
    expect(result.failures).toEqual([]);
    expect(result).toMatchObject({ manifests: 1, policies: 1 });
    await fsckStrict(b.repo.dir);
    expect(await git(b.repo.dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(await readFile(join(b.repo.dir, 'feeds/osv/manifest.json'))).toEqual(Buffer.from((await a.repo.store.readFile(aTip, 'feeds/osv/manifest.json')) as Uint8Array));
  });

  it('nothing when the same kit is imported again', async () => {
    const before = await snapshot(b.repo.dir);
    expect(await importKit(b.repo, kit1)).toMatchObject({ status: 'already-applied', commit: undefined });
    expect(await snapshot(b.repo.dir)).toBe(before);
  });

  it('a newer kit, then refuses the older one as a rollback', async () => {
    await commitOnA(await signedByA('exceptions/cve-2024-0001.yaml', 'owner: sec\nreason: not reachable\nexpires: 2030-01-01\n'));
    const kit2 = join(a.root, 'kit2.tar');
    await exportKit(a.repo, { output: kit2, key: a.key });
    // The exception and its signature (vex/, exceptions/ and policies/ are signed by the policies role).
    expect(await importKit(b.repo, kit2)).toMatchObject({ status: 'applied', written: 2, deleted: 0 });
    expect(await readFile(join(b.repo.dir, 'exceptions/cve-2024-0001.yaml'), 'utf8')).toContain('not reachable');
    await expectRefused(site(b), kit1, 'VERIFY_FAILED', /rollback: it holds [0-9a-f]{12} \(sequence \d+\), older than/);
    await fsckStrict(b.repo.dir);
  });

  it('deletions of files the kit no longer has: a signed policy only with a signed tombstone', async () => {
    await commitOnA({ [POLICY]: null, [`${POLICY}.jws`]: null });
    const bare = join(a.root, 'kit3-bare.tar');
    await exportKit(a.repo, { output: bare, key: a.key });
    await expectRefused(site(b), bare, 'VERIFY_FAILED', /refused \(signed-deletion\): policies\/gate\.yaml: deleted without a signed tombstone/);
    const tombstone = sortedJson({ type: 'stella.retired/v1', path: POLICY, sha256: createHash('sha256').update('severity: high\n').digest('hex') });
    await commitOnA({ [`${POLICY}.retired`]: tombstone, [`${POLICY}.retired.jws`]: `${await signDetachedJws(new TextEncoder().encode(tombstone), a.key)}\n` });
    const kit3 = join(a.root, 'kit3.tar');
    await exportKit(a.repo, { output: kit3, key: a.key });
    expect(await importKit(b.repo, kit3)).toMatchObject({ status: 'applied', written: 2, deleted: 2 });
    expect(await b.repo.store.readFile((await b.repo.store.branchTip(MAIN_BRANCH)) as string, POLICY)).toBeUndefined();
    expect(await git(b.repo.dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect((await verifyRepository(b.repo.store, { main: MAIN_BRANCH, branches: [] })).failures).toEqual([]);
    await fsckStrict(b.repo.dir);
  });
});

describe('stella kit within one mesh (a clone of the source)', () => {
  let m: { dir: string; repo: StateRepo };
  let renewed: string;

  beforeAll(async () => {
    const dir = join(a.root, 'mirror');
    await git(a.root, 'clone', '--quiet', a.repo.dir, dir);
    m = { dir, repo: await openStateRepo(dir) };
    await changeTrust(a.repo, [{ $case: 'renew' }], [a.key]);
    renewed = join(a.root, 'renewed.tar');
    await exportKit(a.repo, { output: renewed, key: a.key });
  });

  it("adopts the source's next trust root version with the kit; verify and git fsck pass", async () => {
    const summary = await importKit(m.repo, renewed);
    expect(summary).toMatchObject({ status: 'applied', trust: 'adopted', trustVersion: 2 });
    const tip = (await m.repo.store.branchTip(MAIN_BRANCH)) as string;
    const aTip = (await a.repo.store.branchTip(MAIN_BRANCH)) as string;
    for (const folder of KIT_FOLDERS) expect(await m.repo.store.walkFiles(tip, folder)).toEqual(await a.repo.store.walkFiles(aTip, folder));
    expect((await verifyRepository(m.repo.store, { main: MAIN_BRANCH, branches: [] })).failures).toEqual([]);
    await fsckStrict(m.dir);
    expect(await git(m.dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('refuses a kit whose trust root is older than the one in effect', async () => {
    await expectRefused(m, kit1, 'VERIFY_FAILED', /trust root cannot follow this repository's version 2: .*older/);
  });

  it('refuses a kit whose next trust root is not signed by the root keys in effect', async () => {
    const file = await resigned(
      'forged-root.tar',
      (items) =>
        items.map((i) => {
          if (i.name !== ROOT_PATH) return i;
          const current = parseRoot(i.body as Buffer);
          const signed = { ...current.signed, version: current.signed.version + 1 };
          return { ...i, body: Buffer.from(formatRoot({ signed, signatures: [] })) };
        }),
      renewed,
    );
    // Signed by a key that is no root key: the feeds key that signed the kit cannot move trust.
    const forged = await variant(
      'forged-root-signed.tar',
      async (items) => {
        const out: TarItem[] = [];
        for (const i of items) {
          if (i.name !== ROOT_PATH) out.push(i);
          else {
            const root = parseRoot(i.body as Buffer);
            out.push({ ...i, body: Buffer.from(formatRoot({ signed: root.signed, signatures: [await signRoot(root.signed, stranger.key)] })) });
          }
        }
        return out;
      },
      file,
    );
    await expectRefused(m, file, 'VERIFY_FAILED', /cannot follow/);
    await expectRefused(m, forged, 'VERIFY_FAILED', /cannot follow/);
  });
});

describe('stella kit (command line)', () => {
  async function run(...args: string[]): Promise<number> {
    let result: CommandResult = { exitCode: -1 };
    const program = new Command('stella').option('--repo <dir>').option('-q, --quiet').exitOverride();
    registerKit(program, (r) => {
      result = r;
    });
    await program.parseAsync(args, { from: 'user' });
    return result.exitCode;
  }

  it('exports with the clone key and imports into a trusting repository; a refused kit rejects', async () => {
    const d = await repo('site-d');
    await trustForFeeds(d.repo, d.key, a.key);
    const file = join(a.root, 'cli.tar');
    const home = process.env['STELLA_HOME'];
    process.env['STELLA_HOME'] = a.home;
    try {
      expect(await run('--repo', a.repo.dir, '-q', 'kit', 'export', '-o', file)).toBe(0);
      expect(await run('--repo', d.repo.dir, '-q', 'kit', 'import', file)).toBe(0);
      await expect(run('--repo', d.repo.dir, '-q', 'kit', 'import', kit1)).rejects.toMatchObject({ code: 'VERIFY_FAILED' });
    } finally {
      if (home === undefined) delete process.env['STELLA_HOME'];
      else process.env['STELLA_HOME'] = home;
    }
    expect((await verifyRepository(d.repo.store, { main: MAIN_BRANCH, branches: [] })).failures).toEqual([]);
  });
});

async function manifestBytes(file: string): Promise<Buffer | undefined> {
  return (await untar(await readFile(file))).find((e) => e.name === KIT_MANIFEST_PATH)?.body;
}
