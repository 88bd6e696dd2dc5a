/**
 * A filesystem in memory, shaped as isomorphic-git's promise client
 * (`{ promises: { readFile, writeFile, … } }`), for the Worker: it has no
 * disk, and one request's working copy of the state repository lives and
 * dies with the request. Errors carry Node's codes (ENOENT, EEXIST,
 * ENOTDIR, ENOTEMPTY), which is how isomorphic-git tells them apart.
 *
 * @example
 *   const store = new GitStore({ fs: memoryFs(), dir: '/repo' });
 */

type Node = { kind: 'file'; data: Uint8Array; mtimeMs: number } | { kind: 'dir'; mtimeMs: number };

/** The subset of stat isomorphic-git reads. */
interface MemoryStat {
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

/** isomorphic-git's promise filesystem client, in memory. */
export interface MemoryFs {
  promises: {
    readFile(path: string, options?: { encoding?: string } | string): Promise<Uint8Array | string>;
    writeFile(path: string, data: Uint8Array | string, options?: unknown): Promise<void>;
    unlink(path: string): Promise<void>;
    readdir(path: string): Promise<string[]>;
    mkdir(path: string, options?: unknown): Promise<void>;
    rmdir(path: string): Promise<void>;
    rename(from: string, to: string): Promise<void>;
    stat(path: string): Promise<MemoryStat>;
    lstat(path: string): Promise<MemoryStat>;
    readlink(path: string): Promise<string>;
    symlink(target: string, path: string): Promise<void>;
    chmod(path: string, mode: number): Promise<void>;
  };
}

function fsError(code: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${path}`), { code });
}

function normalise(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

function parentOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at <= 0 ? '/' : path.slice(0, at);
}

/**
 * A new, empty filesystem (just `/`).
 * @example await memoryFs().promises.mkdir('/repo')
 */
export function memoryFs(): MemoryFs {
  const nodes = new Map<string, Node>([['/', { kind: 'dir', mtimeMs: Date.now() }]]);
  const dirOf = (path: string): void => {
    const parent = nodes.get(parentOf(path));
    if (parent === undefined) throw fsError('ENOENT', path);
    if (parent.kind !== 'dir') throw fsError('ENOTDIR', path);
  };
  const stat = async (raw: string): Promise<MemoryStat> => {
    const node = nodes.get(normalise(raw));
    if (node === undefined) throw fsError('ENOENT', raw);
    const isFile = node.kind === 'file';
    return {
      type: node.kind,
      mode: isFile ? 0o100644 : 0o40000,
      size: isFile ? node.data.length : 0,
      ino: 0,
      mtimeMs: node.mtimeMs,
      ctimeMs: node.mtimeMs,
      uid: 1,
      gid: 1,
      dev: 1,
      isFile: () => isFile,
      isDirectory: () => !isFile,
      isSymbolicLink: () => false,
    };
  };
  return {
    promises: {
      async readFile(raw, options) {
        const node = nodes.get(normalise(raw));
        if (node === undefined) throw fsError('ENOENT', raw);
        if (node.kind !== 'file') throw fsError('EISDIR', raw);
        const encoding = typeof options === 'string' ? options : options?.encoding;
        return encoding === 'utf8' || encoding === 'utf-8' ? new TextDecoder().decode(node.data) : node.data.slice();
      },
      async writeFile(raw, data) {
        const path = normalise(raw);
        dirOf(path);
        if (nodes.get(path)?.kind === 'dir') throw fsError('EISDIR', raw);
        nodes.set(path, { kind: 'file', data: typeof data === 'string' ? new TextEncoder().encode(data) : data.slice(), mtimeMs: Date.now() });
      },
      async unlink(raw) {
        const path = normalise(raw);
        if (nodes.get(path)?.kind !== 'file') throw fsError('ENOENT', raw);
        nodes.delete(path);
      },
      async readdir(raw) {
        const path = normalise(raw);
        const node = nodes.get(path);
        if (node === undefined) throw fsError('ENOENT', raw);
        if (node.kind !== 'dir') throw fsError('ENOTDIR', raw);
        const prefix = path === '/' ? '/' : `${path}/`;
        return [...nodes.keys()].filter((p) => p !== path && p.startsWith(prefix) && !p.slice(prefix.length).includes('/')).map((p) => p.slice(prefix.length));
      },
      async mkdir(raw) {
        const path = normalise(raw);
        if (nodes.has(path)) throw fsError('EEXIST', raw);
        dirOf(path);
        nodes.set(path, { kind: 'dir', mtimeMs: Date.now() });
      },
      async rmdir(raw) {
        const path = normalise(raw);
        if (nodes.get(path)?.kind !== 'dir') throw fsError('ENOENT', raw);
        if ([...nodes.keys()].some((p) => p.startsWith(`${path}/`))) throw fsError('ENOTEMPTY', raw);
        nodes.delete(path);
      },
      async rename(rawFrom, rawTo) {
        const from = normalise(rawFrom);
        const to = normalise(rawTo);
        const node = nodes.get(from);
        if (node === undefined) throw fsError('ENOENT', rawFrom);
        dirOf(to);
        for (const [path, entry] of [...nodes.entries()]) {
          if (path === from || path.startsWith(`${from}/`)) {
            nodes.delete(path);
            nodes.set(to + path.slice(from.length), entry);
          }
        }
      },
      stat,
      lstat: stat,
      async readlink(raw) {
        throw fsError('EINVAL', raw);
      },
      async symlink(_target, raw) {
        throw fsError('EPERM', raw);
      },
      async chmod() {
        // Modes are not kept: a Worker's working copy has no executables.
      },
    },
  };
}
