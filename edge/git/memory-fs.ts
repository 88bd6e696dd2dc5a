/**
 * A filesystem held in memory, in the shape isomorphic-git's promise fs
 * client expects (`{ promises: { readFile, writeFile, … } }`), plus the
 * `rename` core/git's pack store needs. A Worker has no disk: the state
 * repository's objects a Durable Object fetched live here for as long as
 * the object stays in memory, and are fetched again (incrementally) after.
 *
 * @example
 *   const fs = memoryFs();
 *   const store = new GitStore({ fs, dir: '/state', files: { open: memoryPackFiles(fs), inflaters: fflatePackLimits } });
 */
import type { PromiseFsClient } from '../../core/git/git-store.js';
import type { OpenPackFile } from '../../core/git/packed-reader.js';

type Entry = { kind: 'file'; data: Uint8Array; mtimeMs: number } | { kind: 'dir'; mtimeMs: number };

/** What `stat` answers: the fields isomorphic-git reads. */
interface Stats {
  type: 'file' | 'dir';
  mode: number;
  size: number;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
  uid: number;
  gid: number;
  dev: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** V8's knob for how many frames an Error captures (not in the Web types, hence read as a plain property). */
const errorClass: { stackTraceLimit?: unknown } = Object(Error);

/** An error with the errno code isomorphic-git and `isMissingFile` recognise. */
class FsError extends Error {
  constructor(
    readonly code: 'ENOENT' | 'EEXIST' | 'ENOTDIR' | 'ENOTEMPTY' | 'EISDIR',
    path: string,
  ) {
    // "Not there" is an answer here, asked for many times a commit (is this object loose?): no stack trace to capture.
    const limit = errorClass.stackTraceLimit;
    errorClass.stackTraceLimit = 0;
    super(`${code}: ${path}`);
    errorClass.stackTraceLimit = limit;
    this.name = 'FsError';
  }
}

function normalize(path: string): string {
  // Callers ask for clean absolute paths almost always: skip the split for those (a hot path). A name may
  // start with a dot (`.git`); only `.` and `..` segments need the slow way.
  if (typeof path === 'string' && path.startsWith('/') && !path.endsWith('/') && !path.includes('//') && !DOT_SEGMENT.test(path)) return path;
  if (typeof path !== 'string') throw new FsError('ENOENT', String(path));
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

const DOT_SEGMENT = /\/\.\.?(\/|$)/;

function parentOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at <= 0 ? '/' : path.slice(0, at);
}

/** The filesystem `memoryFs` makes: an isomorphic-git fs client, `rename`, and what its files hold. */
export type MemoryFs = PromiseFsClient & {
  promises: { rename(from: string, to: string): Promise<void> };
  /** Bytes of every file held (the measure a mirror's memory bound is stated in). */
  heldBytes(): number;
};

/**
 * A fresh, empty in-memory filesystem (only `/` exists).
 * @example const fs = memoryFs(); await fs.promises.mkdir('/state');
 */
export function memoryFs(): MemoryFs {
  const entries = new Map<string, Entry>([['/', { kind: 'dir', mtimeMs: 0 }]]);
  let held = 0;
  const sizeOf = (entry: Entry | undefined): number => (entry?.kind === 'file' ? entry.data.length : 0);
  // Each folder's names, so a listing costs the folder's size, not the filesystem's (objects/ grows).
  const children = new Map<string, Set<string>>([['/', new Set()]]);
  const nameOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
  const add = (path: string, entry: Entry): void => {
    held += sizeOf(entry) - sizeOf(entries.get(path));
    entries.set(path, entry);
    children.get(parentOf(path))?.add(nameOf(path));
    if (entry.kind === 'dir' && !children.has(path)) children.set(path, new Set());
  };
  const remove = (path: string): void => {
    held -= sizeOf(entries.get(path));
    entries.delete(path);
    children.delete(path);
    children.get(parentOf(path))?.delete(nameOf(path));
  };
  const get = (path: string): Entry => {
    const entry = entries.get(path);
    if (entry === undefined) throw new FsError('ENOENT', path);
    return entry;
  };
  const requireParent = (path: string): void => {
    if (get(parentOf(path)).kind !== 'dir') throw new FsError('ENOTDIR', path);
  };
  const stat = async (raw: string): Promise<Stats> => {
    const entry = get(normalize(raw));
    const isDir = entry.kind === 'dir';
    const size = entry.kind === 'file' ? entry.data.length : 0;
    return {
      type: isDir ? 'dir' : 'file',
      mode: isDir ? 0o40755 : 0o100644,
      size,
      ino: 0,
      mtimeMs: entry.mtimeMs,
      ctimeMs: entry.mtimeMs,
      uid: 1,
      gid: 1,
      dev: 1,
      isFile: () => !isDir,
      isDirectory: () => isDir,
      isSymbolicLink: () => false,
    };
  };
  const promises = {
    async readFile(raw: string, options?: { encoding?: string } | string): Promise<Uint8Array | string> {
      const entry = get(normalize(raw));
      if (entry.kind !== 'file') throw new FsError('EISDIR', raw);
      const encoding = typeof options === 'string' ? options : options?.encoding;
      return encoding === 'utf8' ? new TextDecoder().decode(entry.data) : entry.data;
    },
    /** Beyond Node's fs: a missing file is `undefined`, not an error to build and catch (see StoreFsOps). */
    async readFileIfExists(raw: string): Promise<Uint8Array | undefined> {
      const entry = entries.get(normalize(raw));
      return entry?.kind === 'file' ? entry.data : undefined;
    },
    async writeFile(raw: string, data: Uint8Array | string): Promise<void> {
      const path = normalize(raw);
      requireParent(path);
      if (entries.get(path)?.kind === 'dir') throw new FsError('EISDIR', raw);
      // A copy: callers may reuse their buffer, and a stored object must not change under us.
      const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data);
      add(path, { kind: 'file', data: bytes, mtimeMs: Date.now() });
    },
    async unlink(raw: string): Promise<void> {
      const path = normalize(raw);
      if (get(path).kind !== 'file') throw new FsError('EISDIR', raw);
      remove(path);
    },
    async readdir(raw: string): Promise<string[]> {
      const path = normalize(raw);
      if (get(path).kind !== 'dir') throw new FsError('ENOTDIR', raw);
      return [...(children.get(path) ?? [])].sort();
    },
    async mkdir(raw: string): Promise<void> {
      const path = normalize(raw);
      if (entries.has(path)) throw new FsError('EEXIST', raw);
      requireParent(path);
      add(path, { kind: 'dir', mtimeMs: Date.now() });
    },
    async rmdir(raw: string): Promise<void> {
      const path = normalize(raw);
      if (get(path).kind !== 'dir') throw new FsError('ENOTDIR', raw);
      if ((children.get(path)?.size ?? 0) > 0) throw new FsError('ENOTEMPTY', raw);
      remove(path);
    },
    async rename(rawFrom: string, rawTo: string): Promise<void> {
      const from = normalize(rawFrom);
      const to = normalize(rawTo);
      const entry = get(from);
      requireParent(to);
      if (entry.kind === 'dir') throw new FsError('EISDIR', rawFrom);
      remove(from);
      add(to, entry);
    },
    stat,
    lstat: stat,
    async readlink(raw: string): Promise<string> {
      throw new FsError('ENOENT', raw);
    },
    async symlink(_target: string, raw: string): Promise<void> {
      throw new FsError('EEXIST', raw);
    },
    async chmod(): Promise<void> {},
  };
  return { promises, heldBytes: () => held };
}

/**
 * Positioned reads of a file of `fs` (a kept pack), for core/git's pack
 * reader: a view of the bytes held, never a copy (a stored file is never
 * changed in place: `writeFile` replaces it with a copy).
 * @example const open = memoryPackFiles(fs); const file = await open('/state/.git/objects/pack/pack-x.pack');
 */
export function memoryPackFiles(fs: PromiseFsClient): OpenPackFile {
  return async (path) => {
    const data = (await fs.promises.readFile(path)) as Uint8Array;
    return {
      size: data.length,
      read: async (offset, length) => data.subarray(offset, Math.min(data.length, offset + length)),
      close: async () => undefined,
    };
  };
}
