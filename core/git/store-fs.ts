/**
 * The few file operations the bundle importer does itself (staging a pack,
 * publishing it, cleaning up), over the same injected filesystem that
 * isomorphic-git uses: either a promise client (`{ promises: … }`, like
 * Node's `fs` or LightningFS) or a callback client. No runtime-specific API.
 *
 * @example
 *   const ops = storeFsOps(store.fs);
 *   await ops.writeFile(`${staging}/incoming.pack`, pack);
 *   await ops.rename(`${staging}/incoming.pack`, `${gitdir}/objects/pack/pack-${name}.pack`);
 */
import { StellaError } from '../errors.js';
import type { StoreFs } from './git-store.js';

export interface StoreFsOps {
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
  mkdir(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  unlink(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  /** Needed to publish a finished pack in one step; not part of isomorphic-git's fs contract. */
  rename(from: string, to: string): Promise<void>;
  /**
   * A file's bytes, or undefined when there is none — without an error to
   * build and catch. Asked once per object written (is it loose already?),
   * so a filesystem that offers `readFileIfExists` answers this cheaply;
   * any other gets readFile and a caught "missing".
   */
  readFileIfExists(path: string): Promise<Uint8Array | undefined>;
}

type Loose = (...args: unknown[]) => unknown;

/**
 * Promise-returning operations over an isomorphic-git filesystem client.
 * @example await storeFsOps(fs).readdir(`${gitdir}/objects/pack`)
 */
export function storeFsOps(fs: StoreFs): StoreFsOps {
  const call = callerFor(fs);
  const promises: unknown = 'promises' in fs ? fs.promises : undefined;
  const probe = (promises as { readFileIfExists?: unknown } | undefined)?.readFileIfExists;
  const readFile = async (path: string): Promise<Uint8Array> => toBytes(await call('readFile', path));
  return {
    readFile,
    readFileIfExists:
      typeof probe === 'function'
        ? async (path) => {
            const value: unknown = await probe.call(promises, path);
            return value === undefined ? undefined : toBytes(value);
          }
        : (path) =>
            readFile(path).catch((error: unknown) => {
              if (isMissingFile(error)) return undefined;
              throw error;
            }),
    writeFile: async (path, data) => {
      await call('writeFile', path, data);
    },
    mkdir: async (path) => {
      await call('mkdir', path);
    },
    readdir: async (path) => ((await call('readdir', path)) as unknown[]).map(String),
    unlink: async (path) => {
      await call('unlink', path);
    },
    rmdir: async (path) => {
      await call('rmdir', path);
    },
    rename: async (from, to) => {
      await call('rename', from, to);
    },
  };
}

function callerFor(fs: StoreFs): (name: string, ...args: unknown[]) => Promise<unknown> {
  if ('promises' in fs && typeof fs.promises === 'object' && fs.promises !== null) {
    const target = fs.promises as unknown as Record<string, unknown>;
    return async (name, ...args) => {
      const fn = target[name];
      if (typeof fn !== 'function') throw missing(name);
      return (fn as Loose).apply(target, args);
    };
  }
  const target = fs as unknown as Record<string, unknown>;
  return (name, ...args) =>
    new Promise((resolve, reject) => {
      const fn = target[name];
      if (typeof fn !== 'function') {
        reject(missing(name));
        return;
      }
      (fn as Loose).call(target, ...args, (error: unknown, value: unknown) => (error ? reject(error) : resolve(value)));
    });
}

function missing(name: string): StellaError {
  return new StellaError('INTERNAL', `the filesystem given to the Git store has no ${name}(); the bundle importer needs it`);
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return new TextEncoder().encode(value);
  throw new StellaError('INTERNAL', 'the filesystem returned neither bytes nor text from readFile()');
}

/**
 * True when an fs error means "no such file or folder".
 * @example await ops.rmdir(dir).catch((e: unknown) => { if (!isMissingFile(e)) throw e; })
 */
export function isMissingFile(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'NotFoundError';
}
