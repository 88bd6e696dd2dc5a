/**
 * Test support for agent/kit: reading and rewriting kit tars with tar-stream
 * (an independent tar implementation, so the strict reader is not checked
 * against itself), trust-root changes, and a snapshot of everything an
 * import could change.
 *
 * @example
 *   const entries = await untar(await readFile(kit));
 *   await writeFile(bad, await tarOf([...entries, { name: 'vex/x.json', body: Buffer.from('{}') }]));
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { extract as tarExtract, pack as tarPack, type Header } from 'tar-stream';
import type { SigningKey } from '../../core/sign/keys.js';
import type { TrustEdit } from '../../core/trust/edit.js';
import { parseRoot, rfc3339, ROOT_PATH, type TrustRoot } from '../../core/trust/root.js';
import { stageRoot } from '../../core/trust/stage.js';
import { AGENT_IDENTITY, MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';
import { syncWorktree } from '../repo/worktree.js';
import { git } from '../../test/helpers/repo.js';

export interface TarItem {
  name: string;
  body?: Buffer;
  type?: Header['type'];
  linkname?: string;
  mtime?: Date;
}

/** The entries of a tar, in order, with their bodies and headers. */
export async function untar(bytes: Buffer): Promise<(TarItem & { header: Header })[]> {
  const out: (TarItem & { header: Header })[] = [];
  const extract = tarExtract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.on('entry', (header: Header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    stream.on('end', () => {
      out.push({ name: header.name, body: Buffer.concat(chunks), type: header.type, header });
      next();
    });
  });
  extract.end(bytes);
  await done;
  return out;
}

/** A tar of `items` in the given order (tar-stream's defaults for everything not given). */
export async function tarOf(items: readonly TarItem[]): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const item of items) {
    const header: Partial<Header> & { name: string } = { name: item.name, type: item.type ?? 'file', mtime: item.mtime ?? new Date(0) };
    if (item.linkname !== undefined) header.linkname = item.linkname;
    if (item.body === undefined || header.type !== 'file') pack.entry(header);
    else pack.entry(header, item.body);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * A trust-root change made as `stella trust` makes it (staged, signed by
 * `signers` — root keys — committed in one commit), with the work tree kept
 * in step so `git status` stays clean.
 */
export async function changeTrust(repo: StateRepo, edits: TrustEdit[], signers: SigningKey[]): Promise<TrustRoot> {
  const tip = (await repo.store.branchTip(MAIN_BRANCH)) as string;
  const current = parseRoot((await repo.store.readFile(tip, ROOT_PATH)) as Uint8Array);
  const expires = rfc3339(new Date(Date.now() + 365 * 86_400_000));
  let staged = await stageRoot({ current, pending: undefined, edits, signer: signers[0], expires });
  for (const signer of signers.slice(1)) {
    if (staged.complete) break;
    staged = await stageRoot({ current, pending: staged.root, edits: [], signer });
  }
  if (!staged.complete) throw new Error(`trust change not complete: ${staged.summary}`);
  await repo.store.commit({ branch: MAIN_BRANCH, parent: tip, changes: staged.changes, message: staged.summary, author: AGENT_IDENTITY });
  await syncWorktree(repo, MAIN_BRANCH, tip, staged.changes);
  return staged.root;
}

/** Lets `key` sign feeds and policies in `repo`, by a root change signed with the repository's own root key. */
export function trustForFeeds(repo: StateRepo, rootKey: SigningKey, key: SigningKey): Promise<TrustRoot> {
  return changeTrust(
    repo,
    [
      { $case: 'rotate', role: 'feeds', add: [key.publicKeyPem], remove: [] },
      { $case: 'rotate', role: 'policies', add: [key.publicKeyPem], remove: [] },
    ],
    [rootKey],
  );
}

/** Refs, index status and every work-tree file with its digest: what must not move when an import is refused. */
export async function snapshot(dir: string): Promise<string> {
  const refs = `${await git(dir, 'for-each-ref', '--format=%(refname) %(objectname)')}HEAD ${await git(dir, 'rev-parse', 'HEAD')}`;
  const status = await git(dir, 'status', '--porcelain', '--untracked-files=all');
  const files: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (full !== join(dir, '.git')) await walk(full);
      } else {
        files.push(`${relative(dir, full).split(sep).join('/')} ${createHash('sha256').update(await readFile(full)).digest('hex')}`);
      }
    }
  };
  await walk(dir);
  return `${refs}\n${status}\n${files.sort().join('\n')}`;
}
