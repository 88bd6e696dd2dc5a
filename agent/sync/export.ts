/**
 * `stella sync export`: the state repository as a git bundle file, whole or
 * since a commit / an earlier bundle. The file is written beside its final
 * name and renamed into place, so a reader never sees half a bundle.
 *
 * @example
 *   const full = await exportBundle(repo, { output: '/media/usb/state.bundle' });
 *   const next = await exportBundle(repo, { output: '/media/usb/next.bundle', since: '/media/usb/state.bundle' });
 */
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { StellaError } from '../../core/errors.js';
import { BUNDLE_V2_SIGNATURE, MAX_BUNDLE_HEADER_BYTES, parseBundleHeader } from '../../core/git/bundle-format.js';
import { createBundle, resolveCommitish, type CreatedBundle } from '../../core/git/bundle.js';
import { GitStore } from '../../core/git/git-store.js';
import type { StateRepo } from '../repo/state-repo.js';
import type { SyncProgress } from './import.js';
import { syncBackedFs } from './read-fs.js';
import { writeFileAtomically } from '../fs/atomic-write.js';

export interface ExportOptions {
  /** The bundle file to write. */
  output: string;
  /** A ref or commit, or the path of an earlier bundle whose ref tips the receiver already has. */
  since?: string;
  /** Told each step as it starts (for a progress line on a terminal). */
  onProgress?: SyncProgress | undefined;
}

export interface ExportSummary {
  file: string;
  bytes: number;
  refs: { name: string; oid: string }[];
  prerequisites: string[];
  omitted: string[];
  counts: CreatedBundle['counts'];
  ms: number;
}

/**
 * Writes a bundle of every branch of `repo` to `options.output`.
 *
 * @example await exportBundle(repo, { output: 'state.bundle', since: 'main~10' })
 */
export async function exportBundle(repo: StateRepo, options: ExportOptions): Promise<ExportSummary> {
  const started = performance.now();
  // Only reads happen on the repository here: the synchronous client is the fast one for that.
  const store = new GitStore({ fs: syncBackedFs, dir: repo.dir, gitdir: repo.store.gitdir });
  const progress = options.onProgress ?? ((): void => undefined);
  if (options.since !== undefined) progress({ what: `reading --since ${options.since}`, done: 0 });
  const since = options.since === undefined ? [] : await resolveSince(store, options.since);
  progress({ what: `packing the objects of ${(await store.listBranches()).length} branches${since.length > 0 ? ` not in ${since.length} commits` : ''}`, done: 0 });
  const created = await createBundle(store, { since, inflate: (deflated) => inflateSync(deflated) });
  const file = resolve(options.output);
  const { commits, tags, trees, blobs } = created.counts;
  progress({ what: `writing ${commits + tags + trees + blobs} objects to ${file}`, done: 0 });
  const bytes = await writeAtomically(file, created.chunks);
  return {
    file,
    bytes,
    refs: created.header.refs,
    prerequisites: created.header.prerequisites.map((p) => p.oid),
    omitted: created.omitted.map((r) => r.name),
    counts: created.counts,
    ms: performance.now() - started,
  };
}

/**
 * `--since`: an existing bundle file stands for its ref tips (each must be
 * here), anything else is a ref or commit (`main`, `main~3`, an id).
 * @example await resolveSince(store, 'last.bundle') // ['5f1c…', …]
 */
export async function resolveSince(store: GitStore, spec: string): Promise<string[]> {
  const info = await stat(spec).catch(() => undefined);
  if (info?.isFile() === true) {
    const header = parseBundleHeader(await readHeaderBytes(spec), spec);
    const tips = [...new Set(header.refs.map((r) => r.oid))];
    for (const ref of header.refs) {
      const present = await store.hasObject(ref.oid);
      if (!present) throw new StellaError('NOT_FOUND', `--since ${spec}: its ref ${ref.name} (${ref.oid.slice(0, 12)}) is not in this repository`);
    }
    return tips;
  }
  return [await resolveCommitish(store, spec)];
}

/** Enough of a bundle file to hold its header (the pack after it is not needed). */
async function readHeaderBytes(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 << 10);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, length);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      const sofar = Buffer.concat(chunks);
      if (!sofar.subarray(0, BUNDLE_V2_SIGNATURE.length).equals(Buffer.from(BUNDLE_V2_SIGNATURE)) || sofar.includes('\n\n') || length > MAX_BUNDLE_HEADER_BYTES) {
        return sofar;
      }
    }
    return Buffer.concat(chunks);
  } finally {
    await handle.close();
  }
}

/**
 * Writes `chunks` to a temporary sibling, flushes it, and renames it over
 * `file`; on failure the temporary file is removed. Returns the byte count.
 * @example await writeAtomically('/media/usb/state.bundle', created.chunks)
 */
export async function writeAtomically(file: string, chunks: readonly Uint8Array[]): Promise<number> {
  return writeFileAtomically(file, chunks);
}
