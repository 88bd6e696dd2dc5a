/**
 * Reads what a user hands `stella feed import`: osv.dev's bulk zips
 * (`<Ecosystem>/all.zip`), folders of OSV JSON (walked recursively, zips
 * inside included), and single files, whose format the feed connector
 * registry recognises by content (OSV JSON, Debian DSA/DLA lists, KEV,
 * EPSS). This module does the file I/O only: each file (or zip entry) is
 * yielded as bytes with a label naming where it came from, and the source's
 * connector parses it.
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
import { RECOGNISE_BYTES, type AdvisoryConnector, type FeedConnector, type TableConnector } from '../../core/feeds/connector.js';
import { OSV_MAX_RECORD_BYTES, osvConnector } from '../../core/feeds/osv/connector.js';
import { defaultConnectors, type ConnectorRegistry } from '../../core/feeds/registry.js';
import { FileSource } from '../file-source.js';

/** Largest single record file accepted in a zip or folder of OSV records. */
export const MAX_RECORD_BYTES = OSV_MAX_RECORD_BYTES;

/** A file's bytes (one record file of a zip or folder, or a whole single-file source) for the source's connector, or a problem. */
export type SourceItem =
  | { $case: 'record'; source: string; label: string; bytes: Uint8Array }
  | { $case: 'warning'; message: string };

export interface SourceFile<Connector extends FeedConnector = FeedConnector> {
  /** Stable name of the source, used in the manifest: `npm/all.zip`, `advisories/`, `DSA/list`. */
  name: string;
  path: string;
  /**
   * How the bytes are held: one file handed whole to its connector, or a
   * folder or zip of OSV record files (osv.dev's layout), each handed to the
   * OSV connector.
   */
  container: 'file' | 'dir' | 'zip';
  connector: Connector;
}

/** True for sources whose records join the advisory feed. */
export function isAdvisorySource(source: SourceFile): source is SourceFile<AdvisoryConnector> {
  return source.connector.kind === 'advisories';
}

/** True for sources that become an enrichment table. */
export function isTableSource(source: SourceFile): source is SourceFile<TableConnector> {
  return source.connector.kind === 'table';
}

/** Classifies the paths given on the command line; single files by content, through the connector registry. */
export async function resolveSources(paths: string[], connectors: ConnectorRegistry = defaultConnectors): Promise<SourceFile[]> {
  const out: SourceFile[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => {
      throw new StellaError('NOT_FOUND', `${path}: no such file or folder`);
    });
    if (info.isDirectory()) out.push({ name: `${basename(path)}/`, path, container: 'dir', connector: osvConnector });
    else if (await isZip(path)) out.push({ name: zipSourceName(path), path, container: 'zip', connector: osvConnector });
    else out.push({ name: sourceName(path), path, container: 'file', connector: await recogniseFile(path, connectors) });
  }
  return out;
}

/**
 * Recognises a file by its content, never its name. A JSON object with a string `id` that no
 * connector claimed goes to the registry's fallback (a broken OSV record gets its validator's
 * precise message); anything else is refused before anything is committed.
 */
async function recogniseFile(path: string, connectors: ConnectorRegistry): Promise<FeedConnector> {
  const handle = await open(path, 'r');
  let head: Uint8Array;
  try {
    const buffer = new Uint8Array(RECOGNISE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const recognised = connectors.recognise(head);
  if (recognised !== undefined) return recognised;
  if (await isOsvRecordFile(path, new TextDecoder().decode(head))) return connectors.fallback;
  // Named on the command line, a file that no connector claims is a mistake: refuse it before anything is committed.
  throw new StellaError(
    'ADVISORY_INVALID',
    `${path}: not a recognised feed (expected an OSV record JSON, an OSV zip or folder, or ${connectors.connectors.map((c) => c.description).join(', ')}); nothing imported`,
  );
}

/** An OSV record is one JSON object with a string `id`; read whole, as records are small. */
async function isOsvRecordFile(path: string, head: string): Promise<boolean> {
  if (!head.replace(/^\uFEFF/, '').trimStart().startsWith('{')) return false;
  if ((await stat(path)).size > MAX_RECORD_BYTES) return false;
  try {
    const value = JSON.parse(new TextDecoder().decode(await readFile(path)).replace(/^\uFEFF/, '')) as unknown;
    return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string';
  } catch {
    return false;
  }
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
  if (source.container !== 'dir') return hashFile(source.path);
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
  switch (source.container) {
    case 'zip':
      yield* readZip(source.path, source.name);
      return;
    case 'file':
      yield await readWholeFile(source.path, source.name, source.name, source.connector.maxSourceBytes);
      return;
    case 'dir':
      yield* readFolder(source);
      return;
    default:
      throw new StellaError('INTERNAL', `unknown source container ${String((source as { container: unknown }).container)}`);
  }
}

async function readWholeFile(path: string, sourceName: string, label: string, maxBytes: number): Promise<SourceItem> {
  const info = await stat(path);
  if (info.size > maxBytes) {
    return { $case: 'warning', message: `${label}: ${info.size} bytes exceeds the ${maxBytes}-byte limit; skipped` };
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
    else yield await readWholeFile(file, source.name, label, MAX_RECORD_BYTES);
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
