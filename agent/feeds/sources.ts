/**
 * Reads OSV record files from what a user hands `stella feed import`:
 * osv.dev's bulk zips (`<Ecosystem>/all.zip`), folders of OSV JSON (walked
 * recursively, zips inside included), or single JSON files. Each record is
 * yielded as bytes with a label naming where it came from; the caller parses.
 *
 * Zip entries are streamed one at a time with bounded size. Entries whose
 * names escape the archive or are absolute are skipped with a warning; a zip
 * with two entries of the same name is refused (which one is meant is
 * ambiguous), as is a truncated, corrupt or forged zip (overlapping
 * entries, local headers that name other files). An encrypted entry or one
 * compressed with a method we cannot read (LZMA, …) is skipped with a
 * warning and the rest is read.
 */

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { crc32 } from 'node:zlib';
import { readZipDirectory, type ZipEntry } from '../../core/archive/zip/directory.js';
import { readZipEntry, unreadable } from '../../core/archive/zip/entry.js';
import { StellaError } from '../../core/errors.js';
import { debianTrackerListToOsv } from '../../core/feeds/debian/to-osv.js';
import { isDebianTrackerList } from '../../core/feeds/debian/tracker-list.js';
import { isEpssCsv } from '../../core/feeds/epss/parser.js';
import { FileSource } from '../file-source.js';

/** Largest single record file accepted (the largest real OSV record is far below). */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export type SourceItem =
  | { $case: 'record'; source: string; label: string; bytes: Uint8Array }
  | { $case: 'warning'; message: string };

export interface SourceFile {
  /** Stable name of the source, used in the manifest: `npm/all.zip`, `advisories/`. */
  name: string;
  path: string;
  /**
   * zip / dir / json: OSV records. debian-tracker: a DSA/DLA list, turned
   * into OSV records. kev, epss: enrichment tables (not advisories).
   */
  kind: 'zip' | 'dir' | 'json' | 'debian-tracker' | 'kev' | 'epss';
}

/** Classifies the paths given on the command line. */
export async function resolveSources(paths: string[]): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => {
      throw new StellaError('NOT_FOUND', `${path}: no such file or folder`);
    });
    if (info.isDirectory()) out.push({ name: `${basename(path)}/`, path, kind: 'dir' });
    else if (await isZip(path)) out.push({ name: zipSourceName(path), path, kind: 'zip' });
    else out.push({ name: sourceName(path), path, kind: await sniffFile(path) });
  }
  return out;
}

/** Recognises a file by its content, never its name. */
async function sniffFile(path: string): Promise<SourceFile['kind']> {
  const handle = await open(path, 'r');
  let head: Uint8Array;
  try {
    const buffer = new Uint8Array(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (isDebianTrackerList(head)) return 'debian-tracker';
  const text = new TextDecoder().decode(head);
  if (isEpssCsv(text.split('\n', 1)[0] ?? '')) return 'epss';
  // KEV is JSON like an OSV record; its top-level keys tell them apart.
  if (/"catalogVersion"\s*:/.test(text) && /"vulnerabilities"\s*:/.test(text)) return 'kev';
  return 'json';
}

/** Tracker lists are all called `list`: keep their folder (`DSA/list`). */
function sourceName(path: string): string {
  const parts = path.split(sep).filter((part) => part !== '');
  return parts.at(-1) === 'list' ? parts.slice(-2).join('/') : basename(path);
}

/** `<Ecosystem>/all.zip` keeps its folder name, as osv.dev lays it out. */
function zipSourceName(path: string): string {
  const parts = path.split(sep).filter((part) => part !== '');
  return parts.slice(-2).join('/');
}

async function isZip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5) && (head[3] === 4 || head[3] === 6);
  } finally {
    await handle.close();
  }
}

/**
 * SHA-256 identifying a source's content without parsing it: of the file, or
 * for a folder, of the sorted listing of its record files and their digests.
 * Equal digests mean the source holds exactly what was imported before.
 */
export async function digestSource(source: SourceFile): Promise<string> {
  if (source.kind !== 'dir') return hashFile(source.path);
  const listing = createHash('sha256');
  for (const file of await recordFiles(source.path)) {
    listing.update(`${relative(source.path, file).split(sep).join('/')}\0${await hashFile(file)}\n`);
  }
  return listing.digest('hex');
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 16 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Yields every record file of one source, in a deterministic order. */
export async function* readSource(source: SourceFile): AsyncGenerator<SourceItem> {
  switch (source.kind) {
    case 'zip':
      yield* readZip(source.path, source.name);
      return;
    case 'json':
      yield await readJsonFile(source.path, source.name, source.name);
      return;
    case 'debian-tracker':
      yield* readDebianTracker(source);
      return;
    case 'kev':
    case 'epss':
      // Tables, not advisories: the caller handles them (import-tables.ts).
      return;
    case 'dir':
      yield* readFolder(source);
      return;
    default:
      throw new StellaError('INTERNAL', `unknown source kind ${String((source as { kind: unknown }).kind)}`);
  }
}

/** A DSA/DLA list as OSV records, one per advisory; malformed entries become warnings. */
async function* readDebianTracker(source: SourceFile): AsyncGenerator<SourceItem> {
  const parsed = debianTrackerListToOsv(await readFile(source.path), source.name);
  for (const warning of parsed.warnings) yield { $case: 'warning', message: warning };
  const encoder = new TextEncoder();
  for (const record of parsed.records) {
    yield { $case: 'record', source: source.name, label: `${source.name}:${record.id}`, bytes: encoder.encode(JSON.stringify(record)) };
  }
}

async function readJsonFile(path: string, sourceName: string, label: string): Promise<SourceItem> {
  const info = await stat(path);
  if (info.size > MAX_RECORD_BYTES) {
    return { $case: 'warning', message: `${label}: ${info.size} bytes exceeds the ${MAX_RECORD_BYTES}-byte record limit; skipped` };
  }
  return { $case: 'record', source: sourceName, label, bytes: await readFile(path) };
}

/** The .json and .zip files under a folder (hidden ones skipped), sorted. */
async function recordFiles(folder: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && (entry.name.endsWith('.json') || entry.name.endsWith('.zip'))) files.push(full);
    }
  };
  await walk(folder);
  return files.sort();
}

async function* readFolder(source: SourceFile): AsyncGenerator<SourceItem> {
  for (const file of await recordFiles(source.path)) {
    const label = `${source.name}${relative(source.path, file).split(sep).join('/')}`;
    if (file.endsWith('.zip')) yield* readZip(file, label);
    else yield await readJsonFile(file, source.name, label);
  }
}

async function* readZip(path: string, sourceName: string): AsyncGenerator<SourceItem> {
  const source = await FileSource.open(path);
  try {
    // Pass 1: the central directory, checked by the zip reader; names checked here.
    const directory = await readZipDirectory(source);
    if (typeof directory === 'string') throw new StellaError('ZIP_INVALID', `${sourceName}: not a readable zip (${directory})`);
    const entries: ZipEntry[] = [];
    const seen = new Set<string>();
    for (const entry of directory) {
      const name = entry.name;
      if (seen.has(name)) {
        throw new StellaError('ZIP_INVALID', `${sourceName}: duplicate entry name '${printable(name)}' (ambiguous archive); nothing imported`);
      }
      seen.add(name);
      if (name.endsWith('/')) continue;
      const problem = unsafeEntryName(name);
      if (problem !== undefined) {
        yield { $case: 'warning', message: `${sourceName}: entry '${printable(name)}' ${problem}; skipped` };
        continue;
      }
      if (!name.endsWith('.json')) continue;
      if (entry.size > MAX_RECORD_BYTES) {
        yield { $case: 'warning', message: `${sourceName}: entry '${name}' declares ${entry.size} bytes, over the ${MAX_RECORD_BYTES}-byte record limit; skipped` };
        continue;
      }
      const cannot = unreadable(entry);
      if (cannot !== undefined) {
        yield { $case: 'warning', message: `${sourceName}: entry '${name}' is ${cannot === 'encrypted' ? cannot : `not readable (${cannot})`}; skipped` };
        continue;
      }
      entries.push(entry);
    }
    // Pass 2: the data, in file order through the source's read window.
    entries.sort((a, b) => a.localOffset - b.localOffset);
    for (const entry of entries) {
      const label = `${sourceName}:${entry.name}`;
      const bytes = await readZipEntry(source, entry, { where: sourceName, crc32 });
      if (typeof bytes === 'string') throw new StellaError('ZIP_INVALID', `${label}: corrupt entry (${bytes})`);
      yield { $case: 'record', source: sourceName, label, bytes };
    }
  } finally {
    await source.close();
  }
}

function unsafeEntryName(name: string): string | undefined {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.startsWith('\\')) return 'has an absolute path';
  if (name.includes('\0')) return 'has a NUL in its name';
  const parts = name.split(/[\\/]/);
  if (parts.includes('..')) return 'escapes the archive with ..';
  return undefined;
}

function printable(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}
