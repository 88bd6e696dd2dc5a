/**
 * Loads the bundled CLI (dist/cli/*.cjs, CommonJS chunks made by
 * scripts/bundle-cli.mjs) with V8's code cache: each chunk is compiled with
 * the cached data an earlier run left, and a chunk that had none gets it
 * written when the process exits.
 *
 * Why: before its first layer byte and after its last, a cold `stella scan`
 * runs on one core, mostly compiling code, and the base layer cannot inflate
 * while the main thread is busy (layer-stream.ts). Node 20 compiles every ES
 * module from source on every run (`module.enableCompileCache` came in Node
 * 22); a script can take cached data. Measured on a cold scan of debian-node
 * (bench/cold-scan.mjs), interleaved: about 70 ms less wall time, out of 0.8 s.
 *
 * The cache is a speed-up only, never trusted blindly:
 * - an entry is named by the SHA-256 of its chunk's source, under a folder
 *   per Node version and architecture (V8 itself checks its version and
 *   flags, but of the source only its length);
 * - an entry carries the SHA-256 of its bytes; a torn or altered one is
 *   ignored like a missing one;
 * - a missing, unreadable, corrupt or rejected entry means the chunk compiles
 *   from source, as without a cache, and the entry is written anew at exit;
 * - an entry is written to a temporary name and renamed, so a reader never
 *   sees half of one, and a cache folder that cannot be written is skipped.
 *
 * Where: `$STELLA_CODE_CACHE`, else `$XDG_CACHE_HOME/stella/code`, else
 * `~/.cache/stella/code`; `STELLA_CODE_CACHE=off` turns it off. Like Python's
 * `__pycache__`, whoever can write there can change what runs: the folders
 * are made readable by their owner only.
 *
 * @example
 *   const { run } = loadBundledCli(fileURLToPath(new URL('../dist/cli/stella.cjs', import.meta.url)));
 */
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { Script } from 'node:vm';
import type { run } from './main.js';

/** What the cache did for one chunk: used its entry, had none, had one it could not use, or is off. */
export type CacheOutcome = 'hit' | 'miss' | 'rejected' | 'off';

export interface ChunkLoad {
  file: string;
  cache: CacheOutcome;
}

interface LoadedChunk {
  module: { exports: unknown };
  script: Script;
  /** The cache entry's path; undefined when the cache is off. */
  entry: string | undefined;
  cache: CacheOutcome;
}

const DIGEST_BYTES = 32;
/** Build folders kept per Node version: older builds' entries are removed as a new one is written. */
const BUILDS_KEPT = 4;

/** The cache folder the environment names, or undefined when it is turned off. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = env['STELLA_CODE_CACHE'];
  if (named === 'off') return undefined;
  if (named !== undefined && named !== '') return resolve(named);
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'stella', 'code');
}

/** Loads CommonJS chunks that `require('./…')` each other, each compiled with its cache entry. */
export class ChunkLoader {
  readonly #chunks = new Map<string, LoadedChunk>();
  readonly #requires = new Map<string, NodeJS.Require>();
  readonly #cacheDir: string | undefined;
  #buildDir: string | undefined;

  /** `cacheDir` undefined: no cache is read or written. */
  constructor(cacheDir: string | undefined) {
    this.#cacheDir = cacheDir;
  }

  /** The chunk's `module.exports`, running it on first use. */
  require(file: string): unknown {
    const loaded = this.#chunks.get(file);
    if (loaded !== undefined) return loaded.module.exports;
    const bytes = readFileSync(file);
    // The same string either way; decoding ASCII as Latin-1 skips UTF-8's checks (most chunks are ASCII).
    const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
    const entry = this.#entryFor(file, bytes);
    const cachedData = entry === undefined ? undefined : readEntry(entry);
    // The wrapper Node gives a CommonJS module, so the chunk sees the same five names.
    const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
      filename: file,
      ...(cachedData === undefined || cachedData === 'corrupt' ? {} : { cachedData }),
    });
    const cache: CacheOutcome = entry === undefined ? 'off' : cachedData === undefined ? 'miss' : cachedData === 'corrupt' || script.cachedDataRejected === true ? 'rejected' : 'hit';
    const module = { exports: {} as unknown };
    // Registered before it runs: chunks may require each other in a cycle, as CommonJS allows.
    this.#chunks.set(file, { module, script, entry, cache });
    const folder = dirname(file);
    const requireOutside = this.#outsideRequire(folder);
    const requireChunk = (id: string): unknown => (id.startsWith('./') ? this.require(join(folder, id)) : requireOutside(id));
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    try {
      wrapper.call(module.exports, module.exports, requireChunk, module, file, folder);
    } catch (error) {
      // As Node does for a module that threw: the next require runs it again, not its half-made exports.
      this.#chunks.delete(file);
      throw error;
    }
    return module.exports;
  }

  /** Where the cache entry of `file` (with these bytes) lives; undefined when the cache is off. */
  #entryFor(file: string, bytes: Uint8Array): string | undefined {
    if (this.#cacheDir === undefined) return undefined;
    const digest = sha256(bytes).toString('hex');
    // The first chunk names the build: every other chunk's name is a hash of its content, which it imports.
    this.#buildDir ??= join(this.#cacheDir, `node-${process.version}-${process.arch}`, digest.slice(0, 16));
    return join(this.#buildDir, `${basename(file)}-${digest.slice(0, 32)}`);
  }

  /** Node's `require` for what is not a chunk (built-ins, packages); one per folder, as making one costs a path lookup. */
  #outsideRequire(folder: string): NodeJS.Require {
    let found = this.#requires.get(folder);
    if (found === undefined) {
      // Resolves from the folder the file would be in; the file itself is never read.
      found = createRequire(join(folder, 'chunk.cjs'));
      this.#requires.set(folder, found);
    }
    return found;
  }

  /** Each chunk loaded so far and what the cache did for it. */
  loads(): ChunkLoad[] {
    return [...this.#chunks].map(([file, { cache }]) => ({ file, cache }));
  }

  /**
   * Writes the entry of every loaded chunk that had no usable one. Run at
   * exit: the cached data then holds the functions this run compiled too, not
   * only the chunk's top level. Synchronous, as an 'exit' listener must be.
   */
  save(): void {
    const unsaved = [...this.#chunks.values()].filter((chunk) => chunk.entry !== undefined && chunk.cache !== 'hit');
    if (unsaved.length === 0 || this.#buildDir === undefined) return;
    try {
      mkdirSync(this.#buildDir, { recursive: true, mode: 0o700 });
    } catch {
      return; // a folder we cannot write: the next run compiles from source, as this one did
    }
    for (const { entry, script } of unsaved) {
      if (entry !== undefined) writeEntry(entry, script.createCachedData());
    }
    removeOldBuilds(dirname(this.#buildDir), this.#buildDir);
  }
}

/**
 * Loads the bundled CLI at `entry` and saves its code cache when the process
 * exits (then ends it without tearing down the heap). Under `node
 * --enable-source-maps` Node's own loader runs the chunks instead, without
 * the cache: Node 20 maps stack traces only of the modules its loaders
 * compiled, and whoever reads a stack trace wants the TypeScript.
 */
export function loadBundledCli(entry: string, env: NodeJS.ProcessEnv = process.env): { run: typeof run } {
  if (process.sourceMapsEnabled) return createRequire(entry)(entry) as { run: typeof run };
  const loader = new ChunkLoader(codeCacheDir(env));
  const cli = loader.require(entry) as { run: typeof run };
  const atExit = (code: number): void => {
    loader.save();
    // The event loop is empty: everything has finished. Ending here skips tearing down the heap
    // (Node frees it page by page and joins its threads: about 8 ms after a scan), unless an
    // 'exit' listener after this one still has to run.
    if (process.listeners('exit').at(-1) === atExit) process.exit(code);
  };
  process.on('exit', atExit);
  return cli;
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** The cached data in `entry`; undefined when there is none, 'corrupt' when its digest does not match. */
function readEntry(entry: string): Buffer | 'corrupt' | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(entry);
  } catch {
    return undefined;
  }
  const data = bytes.subarray(DIGEST_BYTES);
  return bytes.length > DIGEST_BYTES && sha256(data).equals(bytes.subarray(0, DIGEST_BYTES)) ? data : 'corrupt';
}

function writeEntry(entry: string, data: Buffer): void {
  const temporary = `${entry}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, Buffer.concat([sha256(data), data]), { mode: 0o600 });
    renameSync(temporary, entry);
  } catch {
    rmSync(temporary, { force: true });
  }
}

/**
 * Keeps the newest BUILDS_KEPT build folders of this Node version (`current`
 * always), so the cache stays bounded. Never throws: it runs at exit, and a
 * folder it cannot list or remove is left for a later run.
 */
function removeOldBuilds(versionDir: string, current: string): void {
  const builds: { dir: string; modified: number }[] = [];
  try {
    for (const name of readdirSync(versionDir)) {
      const dir = join(versionDir, name);
      if (dir !== current) builds.push({ dir, modified: statSync(dir).mtimeMs });
    }
    builds.sort((a, b) => b.modified - a.modified);
    for (const { dir } of builds.slice(BUILDS_KEPT - 1)) rmSync(dir, { recursive: true, force: true });
  } catch {
    // another process removed or holds one of them meanwhile
  }
}
