/**
 * Writing loose objects ourselves: a blob, a tree from its entries, a
 * commit. isomorphic-git's writers wrap the filesystem again on every call,
 * probe for the file by letting a read fail, and build each tree through a
 * Buffer polyfill byte by byte — in a Worker that is most of a commit's CPU.
 * Here an object is hashed (SHA-1 of `<type> <size>\0<content>`, by Web
 * Crypto: native, where a JavaScript SHA-1 is slow in a Worker), skipped
 * when the store already has it, else deflated and written to
 * `objects/xx/…`; the store's reader is told, so a store that keeps decoded
 * objects (`ObjectFiles.cacheBytes`) never inflates what it just wrote.
 *
 * The bytes are git's own: tree entries in git's order (a folder's name
 * compared as if it ended in `/`, bytes not UTF-16 units), modes without a
 * leading zero, a commit's message with isomorphic-git's newline rules (so
 * ids stay what they were).
 *
 * @example
 *   const blob = await writeObject(store, 'blob', bytes);
 *   const tree = await writeObject(store, 'tree', treeBytes([{ mode: '100644', path: 'a.json', oid: blob, type: 'blob' }]));
 */
import { StellaError } from '../errors.js';
import { bufferSource, hexEncode } from '../sign/encoding.js';
import type { TreeEntry } from './git-store.js';
import { isMissingFile, storeFsOps, type StoreFsOps } from './store-fs.js';
import type { StoreFs } from './git-store.js';
import type { StoreObjects } from './store-objects.js';
import { deflateZlib } from './zlib-deflate.js';

/** Where objects are written: a GitStore. */
export interface ObjectSink {
  readonly fs: StoreFs;
  readonly gitdir: string;
  readonly objects: StoreObjects;
}

/** The kinds of object written here. */
export type WrittenType = 'blob' | 'tree' | 'commit';

const encoder = new TextEncoder();
const MAX_KNOWN_FOLDERS = 4096;
/** Per filesystem: its operations, and the object folders made or seen (so most writes skip the mkdir). */
const opsCache = new WeakMap<object, { ops: StoreFsOps; folders: Set<string> }>();

/**
 * Stores one object (unless present) and returns its id.
 * @example const oid = await writeObject(store, 'blob', new TextEncoder().encode('hi\n'));
 */
export async function writeObject(sink: ObjectSink, type: WrittenType, data: Uint8Array): Promise<string> {
  const wrapped = wrapObject(type, data);
  const oid = await hashWrapped(wrapped);
  if (sink.objects.remembers(oid)) return oid;
  if (!(await sink.objects.has(oid))) await writeLooseFile(sink, oid, wrapped);
  sink.objects.remember(oid, { type, data });
  return oid;
}

/**
 * Writes `objects/xx/…` for an object whose id is known (`wrapped`: as `wrapObject` gives it),
 * whether or not the store holds it in a pack: for a store that unpacks what it keeps (the
 * Worker's mirror). The store's reader is not told; `writeObject` is the usual way in.
 * @example await writeLooseFile(store, oid, wrapObject('blob', bytes));
 */
export async function writeLooseFile(sink: ObjectSink, oid: string, wrapped: Uint8Array): Promise<void> {
  const { ops, folders } = opsFor(sink.fs);
  const dir = `${sink.gitdir}/objects/${oid.slice(0, 2)}`;
  const file = `${dir}/${oid.slice(2)}`;
  const deflated = await deflateZlib(wrapped, sink.objects.uncompressedLoose);
  const makeFolder = (): Promise<void> =>
    ops.mkdir(dir).catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
    });
  if (!folders.has(dir)) await makeFolder();
  // Bounded: a long-lived process writes into many short-lived staging repositories.
  if (folders.size >= MAX_KNOWN_FOLDERS) folders.clear();
  folders.add(dir);
  // A folder seen before may have been pruned since (git gc in the agent's repository): make it again then.
  await ops.writeFile(file, deflated).catch(async (error: unknown) => {
    if (!isMissingFile(error)) throw error;
    await makeFolder();
    await ops.writeFile(file, deflated);
  });
}

/**
 * An object as git hashes and stores it: `<type> <size>\0<content>`.
 * @example wrapObject('blob', new TextEncoder().encode('hi\n')) // 'blob 3\0hi\n' as bytes
 */
export function wrapObject(type: string, data: Uint8Array): Uint8Array {
  const header = encoder.encode(`${type} ${data.length}\0`);
  const wrapped = new Uint8Array(header.length + data.length);
  wrapped.set(header, 0);
  wrapped.set(data, header.length);
  return wrapped;
}

/**
 * A tree object's content for these entries, in git's order.
 * @example treeBytes([{ mode: '040000', path: 'findings', oid, type: 'tree' }])
 */
export function treeBytes(entries: readonly TreeEntry[]): Uint8Array {
  const items = entries.map((entry) => {
    const mode = gitMode(entry.mode, entry.path);
    const name = encoder.encode(entry.path);
    if (!/^[0-9a-f]{40}$/.test(entry.oid) || entry.path === '' || entry.path.includes('/') || entry.path.includes('\0')) {
      throw new StellaError('REPO_INVALID', `tree entry ${JSON.stringify(entry.path)} (${entry.oid}) cannot be written`);
    }
    // git compares a folder's name as if it ended in '/' (base_name_compare).
    const key = mode === '40000' ? encoder.encode(`${entry.path}/`) : name;
    return { head: encoder.encode(`${mode} `), name, key, oid: entry.oid };
  });
  items.sort((a, b) => compareBytes(a.key, b.key));
  let length = 0;
  for (const item of items) length += item.head.length + item.name.length + 21;
  const out = new Uint8Array(length);
  let at = 0;
  for (const item of items) {
    out.set(item.head, at);
    out.set(item.name, at + item.head.length);
    at += item.head.length + item.name.length;
    out[at++] = 0;
    for (let i = 0; i < 40; i += 2) out[at++] = Number.parseInt(item.oid.slice(i, i + 2), 16);
  }
  return out;
}

/** Who made a commit, at what time (seconds since the epoch, UTC). */
export interface Signature {
  name: string;
  email: string;
  timestamp: number;
}

/**
 * A commit object's content (UTC times; the message's surrounding blank lines and `\r` dropped, one final newline).
 * @example commitBytes({ tree, parents: [tip], author, committer: author, message: 'scan app' })
 */
export function commitBytes(commit: { tree: string; parents: readonly string[]; author: Signature; committer: Signature; message: string }): Uint8Array {
  const person = (role: string, who: Signature): string => {
    if (/[<>\n\0]/.test(who.name + who.email)) throw new StellaError('REPO_INVALID', `the ${role} ${JSON.stringify(who.name)} <${who.email}> cannot be written into a commit`);
    return `${role} ${who.name} <${who.email}> ${Math.floor(who.timestamp)} +0000\n`;
  };
  const message = `${commit.message.replace(/\r/g, '').replace(/^\n+/, '').replace(/\n+$/, '')}\n`;
  const parents = commit.parents.map((parent) => `parent ${parent}\n`).join('');
  return encoder.encode(`tree ${commit.tree}\n${parents}${person('author', commit.author)}${person('committer', commit.committer)}\n${message}`);
}

async function hashWrapped(wrapped: Uint8Array): Promise<string> {
  return hexEncode(new Uint8Array(await crypto.subtle.digest('SHA-1', bufferSource(wrapped))));
}

/** Git's spelling of a mode in a tree (no leading zero); only the modes git writes. */
function gitMode(mode: string, path: string): string {
  const bare = mode.replace(/^0+/, '');
  if (!['40000', '100644', '100755', '120000', '160000'].includes(bare)) throw new StellaError('REPO_INVALID', `tree entry ${path}: mode ${mode} cannot be written`);
  return bare;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

function opsFor(fs: StoreFs): { ops: StoreFsOps; folders: Set<string> } {
  let entry = opsCache.get(fs);
  if (entry === undefined) {
    entry = { ops: storeFsOps(fs), folders: new Set() };
    opsCache.set(fs, entry);
  }
  return entry;
}
