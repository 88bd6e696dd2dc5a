/**
 * Root filesystems and project folders on disk: walk the files (names
 * sorted, depth first), skip `.git` and never follow a symlinked directory,
 * read the files extractors want. A symlinked *file* an extractor wants is
 * resolved inside the folder, never outside it.
 *
 * Digest: sha256 of the canonical listing — one line per regular file, in
 * walk order, `<path>\0<size>\0<sha256 hex of the contents, for the files
 * read (and of the sibling files its extractors read with it, such as the
 * go.sum beside a go.mod); else empty>\n` — so the digest changes when a
 * package file changes or a file is added, removed or resized.
 *
 * A file whose extractors can all read a stream (the Go binary reader) is
 * read in parts (file-stream.ts): hashed to its end, but never held whole.
 *
 * @example
 *   const result = await readDirectory('/srv/app', 'app', context);
 */
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { lstatSync, readlinkSync } from 'node:fs';
import { lstat, opendir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnyExtractor } from '../../core/extract/extractor.js';
import type { OsRelease } from '../../core/model/package.js';
import { joinPath, resolveInRoot } from './entry-path.js';
import { comparePackages } from './inventory.js';
import type { InventoryPackage, ReadProgress } from './inventory.js';
import type { Limits } from './limits.js';
import { extractorsFor, fitting, runExtractors } from './run-extractors.js';
import { streamExtract } from './file-stream.js';
import { canStream } from './stream-extract.js';
import { directoryOsRelease } from './target-os.js';
import type { Warnings } from './warnings.js';
import { printable } from './warnings.js';

/** What a folder walk needs: the input's name for messages, extractors, limits, the warning sink, progress. */
export interface DirectoryContext {
  input: string;
  extractors: readonly AnyExtractor[];
  limits: Limits;
  warnings: Warnings;
  onProgress: ((progress: ReadProgress) => void) | undefined;
  /** Checked before each folder: once aborted, the walk fails with `signal.reason`. */
  signal?: AbortSignal | undefined;
}

/** A folder's listing digest, packages (sorted) and OS release. */
export interface DirectoryResult {
  digest: string;
  packages: InventoryPackage[];
  os: OsRelease | undefined;
}

const PROGRESS_STEP = 1000;

/** Walks `root` and extracts the files the extractors want (see the module comment). */
export async function readDirectory(root: string, context: DirectoryContext): Promise<DirectoryResult> {
  const { input, extractors, limits, warnings, onProgress } = context;
  const warn = (message: string): void => warnings.add(message);
  const listing = createHash('sha256');
  const packages: InventoryPackage[] = [];
  let files = 0;
  // Depth first with sorted names: a stack of folders still to read, last = next.
  const stack: string[] = [''];
  walk: while (stack.length > 0) {
    context.signal?.throwIfAborted();
    const dir = stack.pop() ?? '';
    let entries: Dirent[];
    try {
      entries = await readSorted(join(root, dir));
    } catch (error) {
      warn(`${dir === '' ? '.' : dir}: cannot read the folder (${(error as NodeJS.ErrnoException).code ?? 'error'}); skipped`);
      continue;
    }
    const subdirs: string[] = [];
    const regularFiles = new Set(entries.filter((entry) => entry.isFile()).map((entry) => entry.name));
    for (const entry of entries) {
      const path = joinPath(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.git') subdirs.push(path);
        continue;
      }
      if (!entry.isFile() && !entry.isSymbolicLink()) continue; // devices, FIFOs, sockets: no content
      if (++files > limits.maxEntriesPerLayer) {
        warn(`more than ${limits.maxEntriesPerLayer} files; the rest of the folder is not read`);
        break walk;
      }
      if (onProgress !== undefined && files % PROGRESS_STEP === 0) onProgress({ done: files, what: `${input}: ${printable(path)}` });
      const wanted = extractorsFor(extractors, path);
      if (entry.isSymbolicLink()) {
        if (wanted.length > 0) await readLinkedFile(root, path, wanted, context, packages, warn);
        continue;
      }
      let size: number;
      try {
        size = (await lstat(join(root, path))).size;
      } catch {
        continue; // removed while walking
      }
      let contentHash = '';
      const fit = wanted.length === 0 ? wanted : fitting(wanted, size, path, input, limits, warn);
      if (fit.length > 0 && canStream(fit) && fit.every((extractor) => extractor.siblings === undefined)) {
        const hash = createHash('sha256');
        for (const pkg of await streamExtract(join(root, path), { path, size }, fit, warn, hash)) packages.push(pkg);
        contentHash = hash.digest('hex');
      } else if (fit.length > 0) {
        const contents = await readFile(join(root, path));
        const siblings = await readSiblings(root, dir, fit, regularFiles);
        const hash = createHash('sha256').update(contents);
        for (const [name, bytes] of siblings ?? []) hash.update(`\0${name}\0`).update(bytes);
        contentHash = hash.digest('hex');
        for (const pkg of await runExtractors(fit, path, contents, warn, siblings)) packages.push(pkg);
      }
      listing.update(`${path}\0${size}\0${contentHash}\n`);
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i] ?? '');
  }
  onProgress?.({ done: files, what: input });
  return {
    digest: `sha256:${listing.digest('hex')}`,
    packages: packages.sort(comparePackages),
    os: directoryOsRelease(root, limits.maxOsReleaseBytes, warn),
  };
}

/**
 * The files beside a wanted one that its extractors declared as siblings
 * (go.sum beside go.mod): regular files of the same folder, within the
 * declaring extractor's size limit. Undefined when none declared any.
 */
async function readSiblings(root: string, dir: string, fit: readonly AnyExtractor[], regularFiles: ReadonlySet<string>): Promise<Map<string, Uint8Array> | undefined> {
  const declared = fit.filter((extractor) => extractor.siblings !== undefined);
  if (declared.length === 0) return undefined;
  const read = new Map<string, Uint8Array>();
  for (const extractor of declared) {
    for (const name of extractor.siblings ?? []) {
      if (read.has(name) || !regularFiles.has(name)) continue;
      const full = join(root, dir, name);
      const size = await lstat(full).then((info) => info.size, () => undefined);
      if (size === undefined || size > extractor.maxFileSize) continue;
      const bytes = await readFile(full).catch(() => undefined);
      if (bytes !== undefined) read.set(name, bytes);
    }
  }
  return read;
}

async function readSorted(dir: string): Promise<Dirent[]> {
  const entries: Dirent[] = [];
  for await (const entry of await opendir(dir)) entries.push(entry);
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A symlink an extractor wants: read what it points to, resolved inside the root, if that is a regular file. */
async function readLinkedFile(
  root: string,
  path: string,
  wanted: readonly AnyExtractor[],
  context: DirectoryContext,
  packages: InventoryPackage[],
  warn: (message: string) => void,
): Promise<void> {
  const resolved = resolveInRoot(path, (p) => {
    try {
      return lstatSync(join(root, p)).isSymbolicLink() ? readlinkSync(join(root, p)) : undefined;
    } catch {
      return undefined;
    }
  }, true);
  if (resolved === undefined) {
    warn(`${path}: symlink loop; not read`);
    return;
  }
  const target = join(root, resolved.path);
  let size: number;
  try {
    const info = await lstat(target);
    if (!info.isFile()) return;
    size = info.size;
  } catch {
    warn(`${path}: symlink to ${resolved.path}, which does not exist; not read`);
    return;
  }
  const fit = fitting(wanted, size, path, context.input, context.limits, warn);
  if (fit.length === 0) return;
  const found = canStream(fit) ? await streamExtract(target, { path, size }, fit, warn) : await runExtractors(fit, path, await readFile(target), warn);
  for (const pkg of found) packages.push(pkg);
}
