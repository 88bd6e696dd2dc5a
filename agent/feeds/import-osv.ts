/**
 * `stella feed import`: advisories from zips, folders or files (whatever
 * an advisory feed connector reads: OSV, Debian DSA/DLA lists) into the
 * state repository's `feeds/osv/` shards, and enrichment tables (KEV, EPSS)
 * into theirs, with signed manifests, in one commit on `main` — then the
 * local index is brought up to date.
 *
 * Records are spooled to per-shard files under `.git/stella/` while reading,
 * so memory holds one shard at a time, never the whole feed. Importing the
 * same data twice produces the same bytes and commits nothing. A bad record
 * is skipped and counted; a bad archive aborts the import before anything is
 * committed.
 *
 * @example
 *   const summary = await importOsv(repo, ['osv/npm/all.zip'], { key });
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError, StellaError } from '../../core/errors.js';
import type { AdvisoryConnector } from '../../core/feeds/connector.js';
import { buildManifest, encodeManifest, MANIFEST_SIGNATURE_SUFFIX, parseManifest, type FeedManifest, type SourceSummary } from '../../core/feeds/manifest.js';
import { formatShard, OSV_MANIFEST_PATH, OSV_SHARD_DIR, parseShard, preferRecord, shardOf, shardPath, type ShardLine } from '../../core/feeds/osv/shard.js';
import type { OsvRecord } from '../../core/model/osv.js';
import { canonicalJson, type JsonValue } from '../../core/sign/canonical-json.js';
import { signDetachedJws } from '../../core/sign/jws.js';
import type { SigningKey } from '../../core/sign/keys.js';
import { AdvisoryIndex, type IndexUpdate } from '../index/advisory-index.js';
import { AGENT_IDENTITY, MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';
import { syncWorktree } from '../repo/worktree.js';
import { tableChanges } from './import-tables.js';
import { digestSource, isAdvisorySource, readSource, resolveSources, type SourceFile } from './sources.js';

/** Spooled bytes kept in memory before they are appended to the per-shard files. */
const SPOOL_FLUSH_BYTES = 8 * 1024 * 1024;

export interface ImportSummary {
  /** Record files read. */
  read: number;
  added: number;
  updated: number;
  unchanged: number;
  /** Records refused (malformed, unparsable, over limits). */
  skipped: number;
  /** Problems that did not stop the import, one line each. */
  warnings: string[];
  shardsChanged: number;
  /** Advisories the feed holds after the import. */
  records: number;
  /** Rows of each enrichment table imported (`kev`, `epss`). */
  tables: Record<string, number>;
  /** The new commit on main, when something changed. */
  commit: string | undefined;
  index: IndexUpdate;
}

export interface ImportOptions {
  key: SigningKey;
  onProgress?: (message: string) => void;
}

export async function importOsv(repo: StateRepo, paths: string[], options: ImportOptions): Promise<ImportSummary> {
  const all = await resolveSources(paths);
  const sources = all.filter(isAdvisorySource);
  const parentBefore = await repo.store.branchTip(MAIN_BRANCH);
  if (parentBefore === undefined) throw new StellaError('REPO_INVALID', `${repo.dir}: no ${MAIN_BRANCH} branch`);
  // Tables are parsed (so checked) before anything is read or committed.
  const tables = await tableChanges(all, options.key);
  const tableUpdates = await changedOnly(repo, parentBefore, tables.changes);
  const digests = new Map<AdvisorySource, string>();
  for (const source of sources) digests.set(source, await digestSource(source));
  // Fast path: every advisory source is byte-for-byte what the feed was built from.
  const known = await readManifest(repo, parentBefore);
  const advisoriesKnown = sources.every((s) => known?.sources[s.name]?.sha256 === digests.get(s));
  if (advisoriesKnown && tableUpdates.size === 0) return unchangedSummary(repo, parentBefore, known, sources, tables.warnings);

  const spool = join(repo.cacheDir, `spool-${process.pid}-${Date.now()}`);
  await mkdir(spool, { recursive: true });
  try {
    const read = advisoriesKnown ? emptyRead() : await spoolRecords(sources, digests, spool, options.onProgress);
    read.warnings.push(...tables.warnings);
    const parent = parentBefore;
    options.onProgress?.(`merging ${read.count} records into the feed shards`);
    const merged = await mergeShards(repo, parent, spool);
    const previous = await readManifest(repo, parent);
    const manifest = nextManifest(previous, merged, read.sourceSummaries);
    const manifestBytes = encodeManifest(manifest);
    const changes = new Map<string, Uint8Array | null>(merged.changedShards);
    const oldManifestBytes = await repo.store.readFile(parent, OSV_MANIFEST_PATH);
    const advisoriesChanged = read.count > 0 && (changes.size > 0 || oldManifestBytes === undefined || !sameBytes(oldManifestBytes, manifestBytes));
    if (advisoriesChanged) {
      changes.set(OSV_MANIFEST_PATH, manifestBytes);
      changes.set(`${OSV_MANIFEST_PATH}${MANIFEST_SIGNATURE_SUFFIX}`, new TextEncoder().encode(`${await signDetachedJws(manifestBytes, options.key)}\n`));
    }
    for (const [path, bytes] of tableUpdates) changes.set(path, bytes);

    let commit: string | undefined;
    if (changes.size > 0) {
      options.onProgress?.(`committing ${changes.size} changed files`);
      const result = await repo.store.commit({
        branch: MAIN_BRANCH,
        parent,
        changes,
        message: commitMessage(merged, read, manifest, tables.rows),
        author: AGENT_IDENTITY,
      });
      if (result.committed) {
        commit = result.oid;
        await syncWorktree(repo, MAIN_BRANCH, parent, changes);
      }
    }
    options.onProgress?.('updating the local advisory index');
    const index = await AdvisoryIndex.open(repo.cacheDir);
    try {
      const update = await index.update(repo.store, commit ?? parent);
      return {
        read: read.count,
        added: merged.added,
        updated: merged.updated,
        unchanged: merged.unchanged,
        skipped: read.skipped,
        warnings: read.warnings,
        shardsChanged: merged.changedShards.size,
        records: manifest.records,
        tables: tables.rows,
        commit,
        index: update,
      };
    } finally {
      await index.close();
    }
  } finally {
    await rm(spool, { recursive: true, force: true });
  }
}

/**
 * Table files whose content differs from what is stored; a table whose file
 * and manifest are unchanged keeps its old signature (a new one would only
 * churn history, ECDSA signatures being randomised).
 */
async function changedOnly(repo: StateRepo, commit: string, changes: Map<string, Uint8Array>): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const folders = new Set([...changes.keys()].map((path) => path.slice(0, path.lastIndexOf('/'))));
  for (const folder of folders) {
    const files = [...changes].filter(([path]) => path.startsWith(`${folder}/`));
    let same = true;
    for (const [path, bytes] of files) {
      if (path.endsWith('.jws')) continue;
      const stored = await repo.store.readFile(commit, path);
      if (stored === undefined || !sameBytes(stored, bytes)) same = false;
    }
    if (!same) for (const [path, bytes] of files) out.set(path, bytes);
  }
  return out;
}

function emptyRead(): ReadResult {
  return { count: 0, skipped: 0, warnings: [], sourceSummaries: {} };
}

/** The summary of an import whose sources were all imported before: nothing read, nothing committed. */
async function unchangedSummary(repo: StateRepo, commit: string, manifest: FeedManifest | undefined, sources: AdvisorySource[], warnings: string[]): Promise<ImportSummary> {
  const unchanged = sources.reduce((sum, source) => sum + (manifest?.sources[source.name]?.records ?? 0), 0);
  const index = await AdvisoryIndex.open(repo.cacheDir);
  try {
    const update = await index.update(repo.store, commit);
    return { read: 0, added: 0, updated: 0, unchanged, skipped: 0, warnings, shardsChanged: 0, records: manifest?.records ?? 0, tables: {}, commit: undefined, index: update };
  } finally {
    await index.close();
  }
}

interface ReadResult {
  count: number;
  skipped: number;
  warnings: string[];
  sourceSummaries: Record<string, SourceSummary>;
}

type AdvisorySource = SourceFile<AdvisoryConnector>;

/** Reads, normalises (through each source's connector) and canonicalises every record, appending it to its shard's spool file. */
async function spoolRecords(sources: AdvisorySource[], digests: Map<AdvisorySource, string>, spool: string, onProgress?: (message: string) => void): Promise<ReadResult> {
  const result: ReadResult = { count: 0, skipped: 0, warnings: [], sourceSummaries: {} };
  let pending = new Map<string, string[]>();
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    for (const [shard, lines] of pending) await appendFile(join(spool, `${shard}.jsonl`), lines.join(''));
    pending = new Map();
    pendingBytes = 0;
  };
  for (const source of sources) {
    onProgress?.(`reading ${source.name}`);
    const { connector } = source;
    let records = 0;
    for await (const file of readSource(source)) {
      if (file.$case === 'warning') {
        result.warnings.push(file.message);
        result.skipped += 1;
        continue;
      }
      for (const item of connector.records({ name: file.label, bytes: file.bytes })) {
        if (item.$case === 'warning') {
          result.warnings.push(item.message);
          result.skipped += 1;
          continue;
        }
        result.count += 1;
        let record: OsvRecord;
        try {
          const validated = connector.normalise(item.record);
          record = validated.record;
          result.warnings.push(...validated.warnings);
        } catch (error) {
          result.skipped += 1;
          result.warnings.push(describeError(error));
          continue;
        }
        records += 1;
        const line = `${canonicalJson(record as unknown as JsonValue)}\n`;
        const shard = shardOf(record.id);
        let lines = pending.get(shard);
        if (lines === undefined) pending.set(shard, (lines = []));
        lines.push(line);
        pendingBytes += line.length;
        if (pendingBytes > SPOOL_FLUSH_BYTES) await flush();
      }
    }
    result.sourceSummaries[source.name] = { sha256: digests.get(source) as string, records };
  }
  await flush();
  return result;
}

interface MergeResult {
  changedShards: Map<string, Uint8Array>;
  /** Per touched shard: records by ecosystem before and after, to update manifest totals. */
  shardStats: Map<string, { before: Record<string, number>; after: Record<string, number>; sha256: string; records: number }>;
  added: number;
  updated: number;
  unchanged: number;
}

/** Merges each spooled shard with the stored one, keeping the preferred version of every record. */
async function mergeShards(repo: StateRepo, parent: string, spool: string): Promise<MergeResult> {
  const result: MergeResult = { changedShards: new Map(), shardStats: new Map(), added: 0, updated: 0, unchanged: 0 };
  const files = (await readdir(spool)).filter((name) => name.endsWith('.jsonl')).sort();
  // One tree read for all shards; each stored shard is then one blob read.
  const storedOids = new Map((await repo.store.listFolder(parent, OSV_SHARD_DIR)).map((entry) => [entry.path, entry.oid]));
  for (const file of files) {
    const shard = file.slice(0, -'.jsonl'.length);
    const storedOid = storedOids.get(file);
    const storedBytes = storedOid === undefined ? undefined : await repo.store.readBlob(storedOid);
    const stored = storedBytes === undefined ? new Map<string, ShardLine>() : parseShard(new TextDecoder().decode(storedBytes));
    const before = countEcosystems(stored.values());
    const merged = new Map(stored);
    const incomingIds = new Set<string>();
    for (const line of (await readFile(join(spool, file), 'utf8')).split('\n')) {
      if (line === '') continue;
      const { id, modified } = JSON.parse(line) as { id: string; modified: string };
      const candidate = { id, modified, line };
      const existing = merged.get(id);
      // Several sources may carry the same id: preferRecord makes the choice order-independent.
      merged.set(id, existing === undefined ? candidate : preferRecord(existing, candidate));
      incomingIds.add(id);
    }
    for (const id of incomingIds) {
      const old = stored.get(id);
      const now = merged.get(id);
      if (old === undefined) result.added += 1;
      else if (old.line !== now?.line) result.updated += 1;
      else result.unchanged += 1;
    }
    const text = formatShard(merged.values());
    const bytes = new TextEncoder().encode(text);
    if (storedBytes === undefined || !sameBytes(storedBytes, bytes)) result.changedShards.set(shardPath(shard), bytes);
    result.shardStats.set(shard, {
      before,
      after: countEcosystems(merged.values()),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      records: merged.size,
    });
  }
  return result;
}

function countEcosystems(lines: Iterable<ShardLine>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { line } of lines) {
    const record = JSON.parse(line) as OsvRecord;
    const ecosystems = new Set((record.affected ?? []).map((a) => (a.package?.ecosystem ?? 'GIT').split(':')[0] as string));
    for (const ecosystem of ecosystems) counts[ecosystem] = (counts[ecosystem] ?? 0) + 1;
  }
  return counts;
}

async function readManifest(repo: StateRepo, commit: string): Promise<FeedManifest | undefined> {
  const bytes = await repo.store.readFile(commit, OSV_MANIFEST_PATH);
  return bytes === undefined ? undefined : parseManifest(bytes, OSV_MANIFEST_PATH);
}

function nextManifest(previous: FeedManifest | undefined, merged: MergeResult, sources: Record<string, SourceSummary>): FeedManifest {
  const shards = { ...(previous?.shards ?? {}) };
  const ecosystems = { ...(previous?.ecosystems ?? {}) };
  for (const [shard, stats] of merged.shardStats) {
    shards[shard] = { sha256: stats.sha256, records: stats.records };
    for (const [ecosystem, count] of Object.entries(stats.before)) ecosystems[ecosystem] = (ecosystems[ecosystem] ?? 0) - count;
    for (const [ecosystem, count] of Object.entries(stats.after)) ecosystems[ecosystem] = (ecosystems[ecosystem] ?? 0) + count;
  }
  for (const [ecosystem, count] of Object.entries(ecosystems)) if (count === 0) delete ecosystems[ecosystem];
  return buildManifest('osv', shards, ecosystems, { ...(previous?.sources ?? {}), ...sources });
}

function commitMessage(merged: MergeResult, read: ReadResult, manifest: FeedManifest, tables: Record<string, number>): string {
  const names = Object.keys(manifest.sources).sort().join(', ');
  const tableText = Object.entries(tables).map(([name, rows]) => `${name.toUpperCase()} (${rows} rows)`);
  const title = read.count > 0 ? `feeds: import advisories (${merged.added} added, ${merged.updated} updated)` : `feeds: import ${tableText.join(', ')}`;
  return (
    `${title}\n\n` +
    (read.count > 0 ? `Read ${read.count} records; ${read.skipped} skipped; ${merged.changedShards.size} shards changed.\nThe advisory feed now holds ${manifest.records} records from: ${names}.\n` : '') +
    (tableText.length > 0 ? `Tables: ${tableText.join(', ')}.\n` : '')
  );
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
