/**
 * The bundle loader against real V8: each run is a fresh Node process (the
 * compiled loader from dist/, built by the global setup) loading CommonJS
 * chunks from a temporary folder, so a cache entry is written by one process
 * and read by the next, as between two `stella` commands.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeCacheDir } from './bundle-loader.js';
import { projectRoot } from '../../test/helpers/paths.js';

const run = promisify(execFile);
const loaderUrl = pathToFileURL(join(projectRoot, 'dist', 'agent', 'cli', 'bundle-loader.js')).href;

let root: string;
let chunks: string;
let cache: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-bundle-loader-'));
  chunks = join(root, 'chunks');
  cache = join(root, 'cache');
  await mkdir(chunks);
  // An entry, a chunk it requires, and a cycle back to the entry, as esbuild's chunks may have.
  await writeChunks('41');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes the fixture; `answer` (two digits) changes the code, not its length. */
async function writeChunks(answer: string): Promise<void> {
  await writeFile(join(chunks, 'entry.cjs'), `const { add } = require('./math.cjs');\nexports.name = 'entry';\nexports.answer = () => add(${answer}, 1);\n`);
  await writeFile(join(chunks, 'math.cjs'), `const entry = require('./entry.cjs');\nexports.add = (a, b) => a + b;\nexports.entryName = () => entry.name;\n`);
}

interface LoaderRun {
  answer: number;
  entryName: string;
  loads: { file: string; cache: string }[];
}

/** One process: loads entry.cjs, calls into both chunks, saves the cache, prints what happened. */
async function loadOnce(cacheDir: string | undefined, nodeFlags: string[] = []): Promise<LoaderRun> {
  const script = `
    import { ChunkLoader } from ${JSON.stringify(loaderUrl)};
    const loader = new ChunkLoader(${cacheDir === undefined ? 'undefined' : JSON.stringify(cacheDir)});
    const entry = loader.require(${JSON.stringify(join(chunks, 'entry.cjs'))});
    const math = loader.require(${JSON.stringify(join(chunks, 'math.cjs'))});
    const result = { answer: entry.answer(), entryName: math.entryName(), loads: loader.loads().map(({ file, cache }) => ({ file: file.split('/').pop(), cache })) };
    loader.save();
    console.log(JSON.stringify(result));`;
  const { stdout } = await run(process.execPath, [...nodeFlags, '--input-type=module', '-e', script]);
  return JSON.parse(stdout) as LoaderRun;
}

/** Every cache entry file under `dir`, as paths relative to it. */
async function entries(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of await readdir(dir, { recursive: true })) {
    if ((await stat(join(dir, name))).isFile()) found.push(name);
  }
  return found.sort();
}

describe('ChunkLoader', () => {
  it('compiles from source on the first run, writes an entry per chunk, and uses them on the next', async () => {
    const first = await loadOnce(cache);
    expect(first).toEqual({ answer: 42, entryName: 'entry', loads: [{ file: 'entry.cjs', cache: 'miss' }, { file: 'math.cjs', cache: 'miss' }] });
    const written = await entries(cache);
    expect(written).toHaveLength(2);
    for (const entry of written) expect((await stat(join(cache, entry))).mode & 0o777).toBe(0o600);
    const buildDir = join(cache, written[0]!.split('/').slice(0, 2).join('/'));
    expect((await stat(buildDir)).mode & 0o777).toBe(0o700);

    const second = await loadOnce(cache);
    expect(second).toEqual({ answer: 42, entryName: 'entry', loads: [{ file: 'entry.cjs', cache: 'hit' }, { file: 'math.cjs', cache: 'hit' }] });
    expect(await entries(cache)).toEqual(written);
  });

  it('never runs a stale entry: a chunk changed in place, even to the same length, misses', async () => {
    await loadOnce(cache);
    await writeChunks('99');
    const changed = await loadOnce(cache);
    expect(changed.answer).toBe(100);
    expect(changed.loads.map((load) => load.cache)).toEqual(['miss', 'miss']);
  });

  it('ignores a damaged entry, compiles from source and writes it anew', async () => {
    await loadOnce(cache);
    for (const entry of await entries(cache)) {
      const bytes = await readFile(join(cache, entry));
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
      await writeFile(join(cache, entry), bytes);
    }
    const damaged = await loadOnce(cache);
    expect(damaged.answer).toBe(42);
    expect(damaged.loads.map((load) => load.cache)).toEqual(['rejected', 'rejected']);
    expect((await loadOnce(cache)).loads.map((load) => load.cache)).toEqual(['hit', 'hit']);
  });

  it('ignores a torn entry (shorter than its digest)', async () => {
    await loadOnce(cache);
    for (const entry of await entries(cache)) await writeFile(join(cache, entry), Buffer.alloc(5));
    expect((await loadOnce(cache)).loads.map((load) => load.cache)).toEqual(['rejected', 'rejected']);
  });

  it('takes V8 refusing an entry made under other flags as a miss, not an error', async () => {
    await loadOnce(cache);
    const otherFlags = await loadOnce(cache, ['--no-lazy-feedback-allocation']);
    expect(otherFlags.answer).toBe(42);
    expect(otherFlags.loads.map((load) => load.cache)).toEqual(['rejected', 'rejected']);
  });

  it('runs without a cache when its folder cannot be made', async () => {
    // A file where the folder should be: mkdir fails even for root.
    await writeFile(cache, 'not a folder');
    for (let i = 0; i < 2; i++) {
      const result = await loadOnce(join(cache, 'code'));
      expect(result.answer).toBe(42);
      expect(result.loads.map((load) => load.cache)).toEqual(['miss', 'miss']);
    }
  });

  it('reads and writes nothing when the cache is off', async () => {
    const result = await loadOnce(undefined);
    expect(result.loads.map((load) => load.cache)).toEqual(['off', 'off']);
  });

  it("keeps the newest builds' entries only", async () => {
    await loadOnce(cache);
    const [versionDir] = await readdir(cache);
    const builds = join(cache, versionDir!);
    const [firstBuild] = await readdir(builds);
    const older = ['day-1', 'day-2', 'day-3', 'day-4', 'day-5'];
    for (const [i, name] of older.entries()) {
      await mkdir(join(builds, name));
      const then = Date.now() / 1000 - (i + 1) * 86_400;
      await utimes(join(builds, name), then, then);
    }
    await writeChunks('77'); // a new build: a new entry chunk
    await loadOnce(cache);
    const kept = await readdir(builds);
    expect(kept).toHaveLength(4);
    expect(kept).toEqual(expect.arrayContaining([firstBuild, 'day-1', 'day-2']));
  });
});

describe('loadBundledCli', () => {
  it('under --enable-source-maps, leaves the chunks to Node, so stack traces point at the TypeScript', async () => {
    await writeFile(join(chunks, 'boom.ts'), "export function run(): never {\n  throw new Error('boom');\n}\n");
    await build({ entryPoints: [join(chunks, 'boom.ts')], outfile: join(chunks, 'boom.cjs'), format: 'cjs', platform: 'node', sourcemap: 'linked', logLevel: 'silent' });
    const script = `
      import { loadBundledCli } from ${JSON.stringify(loaderUrl)};
      try { loadBundledCli(${JSON.stringify(join(chunks, 'boom.cjs'))}, { STELLA_CODE_CACHE: ${JSON.stringify(cache)} }).run([]); }
      catch (error) { console.log(error.stack.split('\\n')[1]); }`;
    const mapped = await run(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script]);
    expect(mapped.stdout).toContain('boom.ts:2:');
    const unmapped = await run(process.execPath, ['--input-type=module', '-e', script]);
    expect(unmapped.stdout).toContain('boom.cjs:');
    // Only the run that used the loader wrote the chunk's entry.
    expect(await entries(cache)).toHaveLength(1);
  });
});

describe('loadBundledCli at exit', () => {
  /** A child that loads the fixture, sets an exit code and maybe adds an 'exit' listener after the loader's. */
  async function exitOf(laterListener: boolean): Promise<{ code: number; stdout: string }> {
    const script = `
      import { loadBundledCli } from ${JSON.stringify(loaderUrl)};
      loadBundledCli(${JSON.stringify(join(chunks, 'entry.cjs'))}, { STELLA_CODE_CACHE: ${JSON.stringify(cache)} });
      ${laterListener ? "process.on('exit', () => console.log('later listener ran'));" : ''}
      setTimeout(() => { console.log('timer ran'); process.exitCode = 3; }, 20);`;
    return new Promise((resolve) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], (error, stdout) => resolve({ code: error === null ? 0 : Number(error.code), stdout }));
    });
  }

  it('keeps the exit code, saves the cache, and lets a later exit listener run', async () => {
    expect(await exitOf(false)).toEqual({ code: 3, stdout: 'timer ran\n' });
    expect(await entries(cache)).toHaveLength(2);
    expect(await exitOf(true)).toEqual({ code: 3, stdout: 'timer ran\nlater listener ran\n' });
  });
});

describe('codeCacheDir', () => {
  it('follows STELLA_CODE_CACHE, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(codeCacheDir({ STELLA_CODE_CACHE: '/srv/stella-code', HOME: '/home/a' })).toBe('/srv/stella-code');
    expect(codeCacheDir({ STELLA_CODE_CACHE: 'off', HOME: '/home/a' })).toBeUndefined();
    expect(codeCacheDir({ XDG_CACHE_HOME: '/var/cache/a' })).toBe('/var/cache/a/stella/code');
    expect(codeCacheDir({ STELLA_CODE_CACHE: '', XDG_CACHE_HOME: '/var/cache/a' })).toBe('/var/cache/a/stella/code');
  });
});

describe('the bundled CLI', () => {
  it('runs the same with and without its code cache', async () => {
    const bin = join(projectRoot, 'bin', 'stella.js');
    const env = (cacheDir: string): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'], HOME: root, STELLA_HOME: join(root, 'home'), STELLA_CODE_CACHE: cacheDir });
    const off = await run(process.execPath, [bin, '--help'], { env: env('off') });
    const cold = await run(process.execPath, [bin, '--help'], { env: env(cache) });
    const written = await entries(cache);
    expect(written.length).toBeGreaterThan(0);
    const writtenAt = await Promise.all(written.map(async (entry) => (await stat(join(cache, entry))).mtimeMs));
    const warm = await run(process.execPath, [bin, '--help'], { env: env(cache) });
    expect(cold.stdout).toBe(off.stdout);
    expect(warm.stdout).toBe(off.stdout);
    // The warm run used every entry: it rewrote none (an entry it could not use is written anew).
    expect(await entries(cache)).toEqual(written);
    expect(await Promise.all(written.map(async (entry) => (await stat(join(cache, entry))).mtimeMs))).toEqual(writtenAt);
  });
});
