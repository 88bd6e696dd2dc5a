/**
 * The agent's local advisory index (LevelDB, in `.git/stella/index`): OSV
 * records from the state repository's feed shards, keyed for fast lookup by
 * package. It is a cache — always rebuildable from the repository — and is
 * brought up to date per shard: only shards whose blob changed since the
 * last update are re-read, so a newer feed costs what changed.
 *
 * Keys (parts joined by NUL):
 *   r <id>                   → trimmed OSV record (JSON)
 *   p <ecosystem> <name>     → ids of records naming that package (JSON list)
 *   a <alias>                → ids of records listing that alias (JSON list)
 *   k <cve>, e <cve>         → KEV fact, EPSS score
 *   v <cve>                  → NVD CVSS vectors (JSON list)
 *   s <shard>                → ids stored in that shard (JSON list)
 *   c <shard>                → records per ecosystem in that shard (JSON object)
 *   m ecosystems             → records per ecosystem, all shards (JSON object)
 *   m shards                 → shard → blob id indexed (JSON)
 *   m tree                   → tree id of feeds/osv the index reflects
 *   m layout                 → version of this key layout (older indexes are rebuilt)
 *
 * @example
 *   const index = await AdvisoryIndex.open(repo.cacheDir);
 *   await index.update(repo.store, mainTip);
 *   const records = await index.recordsFor([{ ecosystem: 'npm', name: 'lodash' }]);
 */
import { join } from 'node:path';
import { Level } from 'level';
import { EPSS_FEED_PATH, parseEpssCsv } from '../../core/feeds/epss/csv.js';
import { KEV_FEED_PATH, parseKevLines } from '../../core/feeds/kev/lines.js';
import { NVD_FEED_PATH, parseNvdTable } from '../../core/feeds/nvd/table.js';
import { ecosystemsOf, packageKey, trimRecord, type AdvisorySource, type PackageKey } from '../../core/match/advisory-source.js';
import type { EnrichmentSource, EpssFact, KevFact } from '../../core/match/enrich.js';
import type { NvdCvss, SeverityLookup } from '../../core/match/resolve-severity.js';
import type { OsvRecord } from '../../core/model/osv.js';
import { normalizePackageName } from '../../core/match/package-names.js';
import { OSV_SHARD_DIR } from '../../core/feeds/osv/shard.js';
import type { GitStore } from '../../core/git/git-store.js';
import { StellaError } from '../../core/errors.js';

type BatchOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

const SEP = '\u0000';
const recordKey = (id: string): string => `r${SEP}${id}`;
const pkgKey = (key: string): string => `p${SEP}${key}`;
const shardKey = (shard: string): string => `s${SEP}${shard}`;
const shardCountsKey = (shard: string): string => `c${SEP}${shard}`;
const kevKey = (cve: string): string => `k${SEP}${cve}`;
const epssKey = (cve: string): string => `e${SEP}${cve}`;
const nvdKey = (cve: string): string => `v${SEP}${cve}`;
const aliasKey = (alias: string): string => `a${SEP}${alias}`;
const META_TABLE = (name: string): string => `m${SEP}table${SEP}${name}`;
const META_SHARDS = `m${SEP}shards`;
const META_TREE = `m${SEP}tree`;
const META_ECOSYSTEMS = `m${SEP}ecosystems`;
const META_LAYOUT = `m${SEP}layout`;
/** Bumped when keys or kept fields are added: 2 added alias lists (`a`) and NVD vectors (`v`); 3 keeps records' `published`. */
const LAYOUT = '3';

export interface IndexUpdate {
  /** Shards re-read because their content changed. */
  shardsChanged: number;
  records: number;
  elapsedMs: number;
}

export class AdvisoryIndex implements AdvisorySource, EnrichmentSource, SeverityLookup {
  private constructor(private readonly db: Level<string, string>) {}

  static async open(cacheDir: string): Promise<AdvisoryIndex> {
    const db = new Level<string, string>(join(cacheDir, 'index'), { valueEncoding: 'utf8' });
    await db.open();
    return new AdvisoryIndex(db);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** The feeds/osv tree the index reflects, if any. */
  async indexedTree(): Promise<string | undefined> {
    return this.db.get(META_TREE);
  }

  /** Brings the index to the feeds at `commit`, re-reading only changed shards and tables. */
  async update(store: GitStore, commit: string): Promise<IndexUpdate> {
    const started = performance.now();
    // An index built before per-ecosystem counts or alias lists were kept cannot tell coverage or aliases: rebuild it (it is a cache).
    const countsLost = (await this.db.get(META_TREE)) !== undefined && (await this.db.get(META_ECOSYSTEMS)) === undefined;
    if (countsLost || (await this.db.get(META_LAYOUT)) !== LAYOUT) {
      await this.db.clear();
      await this.db.put(META_LAYOUT, LAYOUT);
    }
    await this.updateTables(store, commit);
    const feedEntry = (await store.listFolder(commit, 'feeds')).find((entry) => entry.path === 'osv');
    const feedTree = feedEntry?.oid ?? 'none';
    if ((await this.db.get(META_TREE)) === feedTree) return { shardsChanged: 0, records: 0, elapsedMs: performance.now() - started };

    const indexed = JSON.parse((await this.db.get(META_SHARDS)) ?? '{}') as Record<string, string>;
    const current: Record<string, string> = {};
    for (const entry of await store.listFolder(commit, OSV_SHARD_DIR)) {
      if (entry.type === 'blob' && entry.path.endsWith('.jsonl')) current[entry.path.slice(0, -'.jsonl'.length)] = entry.oid;
    }
    const changed = [...new Set([...Object.keys(indexed), ...Object.keys(current)])].filter((shard) => indexed[shard] !== current[shard]).sort();

    let records = 0;
    for (const shard of changed) {
      records += await this.reindexShard(store, shard, current[shard]);
    }
    await this.db.batch([
      { type: 'put', key: META_SHARDS, value: JSON.stringify(current) },
      { type: 'put', key: META_ECOSYSTEMS, value: JSON.stringify(await this.sumShardCounts()) },
      { type: 'put', key: META_TREE, value: feedTree },
    ]);
    return { shardsChanged: changed.length, records, elapsedMs: performance.now() - started };
  }

  /** Replaces one shard's records; `blobOid` undefined means the shard is gone. */
  private async reindexShard(store: GitStore, shard: string, blobOid: string | undefined): Promise<number> {
    const oldIds = JSON.parse((await this.db.get(shardKey(shard))) ?? '[]') as string[];
    const oldRecords = await this.db.getMany(oldIds.map(recordKey));
    const removals = new Map<string, Set<string>>(); // list key (package or alias) → ids leaving it
    oldRecords.forEach((json, index) => {
      if (json === undefined) return;
      for (const key of listKeysOf(JSON.parse(json) as OsvRecord)) {
        let ids = removals.get(key);
        if (ids === undefined) removals.set(key, (ids = new Set()));
        ids.add(oldIds[index] as string);
      }
    });

    const newRecords: OsvRecord[] = [];
    if (blobOid !== undefined) {
      const text = new TextDecoder().decode(await store.readBlob(blobOid));
      for (const line of text.split('\n')) if (line !== '') newRecords.push(trimRecord(JSON.parse(line) as OsvRecord));
    }
    const additions = new Map<string, Set<string>>();
    for (const record of newRecords) {
      for (const key of listKeysOf(record)) {
        let ids = additions.get(key);
        if (ids === undefined) additions.set(key, (ids = new Set()));
        ids.add(record.id);
      }
    }

    const touched = [...new Set([...removals.keys(), ...additions.keys()])];
    const lists = await this.db.getMany(touched);
    const ops: BatchOp[] = [];
    touched.forEach((key, index) => {
      const ids = new Set(JSON.parse(lists[index] ?? '[]') as string[]);
      for (const id of removals.get(key) ?? []) ids.delete(id);
      for (const id of additions.get(key) ?? []) ids.add(id);
      ops.push(ids.size === 0 ? { type: 'del', key } : { type: 'put', key, value: JSON.stringify([...ids].sort()) });
    });
    const newIds = new Set(newRecords.map((record) => record.id));
    for (const id of oldIds) if (!newIds.has(id)) ops.push({ type: 'del', key: recordKey(id) });
    for (const record of newRecords) ops.push({ type: 'put', key: recordKey(record.id), value: JSON.stringify(record) });
    ops.push(newRecords.length === 0 ? { type: 'del', key: shardKey(shard) } : { type: 'put', key: shardKey(shard), value: JSON.stringify([...newIds].sort()) });
    // Kept per shard, in the shard's own batch, so the totals stay right even if an update is cut short.
    ops.push(newRecords.length === 0 ? { type: 'del', key: shardCountsKey(shard) } : { type: 'put', key: shardCountsKey(shard), value: JSON.stringify(countEcosystems(newRecords)) });
    await this.db.batch(ops);
    return newRecords.length;
  }

  /** Records per ecosystem over every shard: at most 256 small values. */
  private async sumShardCounts(): Promise<Record<string, number>> {
    const totals = new Map<string, number>();
    for await (const value of this.db.values({ gt: `c${SEP}`, lt: `c${SEP}\uffff` })) {
      for (const [ecosystem, count] of Object.entries(JSON.parse(value) as Record<string, number>)) totals.set(ecosystem, (totals.get(ecosystem) ?? 0) + count);
    }
    return Object.fromEntries([...totals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Records (not withdrawn) per OSV ecosystem in the indexed feed. */
  async ecosystemCounts(): Promise<ReadonlyMap<string, number>> {
    return new Map(Object.entries(JSON.parse((await this.db.get(META_ECOSYSTEMS)) ?? '{}') as Record<string, number>));
  }

  /** Re-reads the KEV, EPSS and NVD tables when their folder changed. */
  private async updateTables(store: GitStore, commit: string): Promise<void> {
    const folders = new Map((await store.listFolder(commit, 'feeds')).map((entry) => [entry.path, entry.oid]));
    for (const [name, path, prefix] of [['kev', KEV_FEED_PATH, 'k'], ['epss', EPSS_FEED_PATH, 'e'], ['nvd', NVD_FEED_PATH, 'v']] as const) {
      const tree = folders.get(name) ?? 'none';
      if ((await this.db.get(META_TABLE(name))) === tree) continue;
      const ops: BatchOp[] = [];
      for await (const key of this.db.keys({ gt: `${prefix}${SEP}`, lt: `${prefix}${SEP}\uffff` })) ops.push({ type: 'del', key });
      const bytes = tree === 'none' ? undefined : await store.readFile(commit, path);
      if (bytes !== undefined) ops.push(...tableOps(name, bytes, path));
      ops.push({ type: 'put', key: META_TABLE(name), value: tree });
      await this.db.batch(ops);
    }
  }

  /** Records with one of `ids` as id or alias, by the id asked (withdrawn ones included: the caller decides). */
  async recordsAliasing(ids: readonly string[]): Promise<Map<string, OsvRecord[]>> {
    const unique = [...new Set(ids)];
    const lists = await this.db.getMany(unique.map(aliasKey));
    const related = unique.map((id, i) => [...new Set([id, ...(JSON.parse(lists[i] ?? '[]') as string[])])]);
    const wanted = [...new Set(related.flat())];
    const records = new Map<string, OsvRecord>();
    (await this.db.getMany(wanted.map(recordKey))).forEach((json, i) => {
      if (json !== undefined) records.set(wanted[i] as string, JSON.parse(json) as OsvRecord);
    });
    const out = new Map<string, OsvRecord[]>();
    unique.forEach((id, i) => out.set(id, (related[i] ?? []).map((rid) => records.get(rid)).filter((r): r is OsvRecord => r !== undefined)));
    return out;
  }

  /** NVD's CVSS vectors for each CVE that has any. */
  async nvdCvssFor(cves: readonly string[]): Promise<Map<string, NvdCvss[]>> {
    const values = await this.db.getMany(cves.map(nvdKey));
    const out = new Map<string, NvdCvss[]>();
    values.forEach((value, i) => {
      if (value !== undefined) out.set(cves[i] as string, JSON.parse(value) as NvdCvss[]);
    });
    return out;
  }

  async kevFor(cves: readonly string[]): Promise<Map<string, KevFact>> {
    const values = await this.db.getMany(cves.map(kevKey));
    const out = new Map<string, KevFact>();
    values.forEach((value, i) => {
      if (value !== undefined) out.set(cves[i] as string, JSON.parse(value) as KevFact);
    });
    return out;
  }

  async epssFor(cves: readonly string[]): Promise<Map<string, EpssFact>> {
    const values = await this.db.getMany(cves.map(epssKey));
    const out = new Map<string, EpssFact>();
    values.forEach((value, i) => {
      if (value === undefined) return;
      const [score, percentile] = value.split(',').map(Number);
      out.set(cves[i] as string, { score: score as number, percentile: percentile as number });
    });
    return out;
  }

  async recordsFor(packages: readonly PackageKey[]): Promise<Map<string, OsvRecord[]>> {
    const keys = [...new Set(packages.map(packageKey))];
    const lists = await this.db.getMany(keys.map(pkgKey));
    const ids = new Set<string>();
    for (const list of lists) if (list !== undefined) for (const id of JSON.parse(list) as string[]) ids.add(id);
    const idList = [...ids];
    const records = new Map<string, OsvRecord>();
    (await this.db.getMany(idList.map(recordKey))).forEach((json, index) => {
      if (json !== undefined) records.set(idList[index] as string, JSON.parse(json) as OsvRecord);
    });
    const out = new Map<string, OsvRecord[]>();
    keys.forEach((key, index) => {
      const list = lists[index];
      const found = list === undefined ? [] : (JSON.parse(list) as string[]).map((id) => records.get(id)).filter((r): r is OsvRecord => r !== undefined);
      out.set(key, found);
    });
    return out;
  }
}

function countEcosystems(records: readonly OsvRecord[]): Record<string, number> {
  // A Map, not an object: ecosystem names come from records, and `__proto__` must stay data.
  const counts = new Map<string, number>();
  for (const record of records) for (const ecosystem of ecosystemsOf(record)) counts.set(ecosystem, (counts.get(ecosystem) ?? 0) + 1);
  return Object.fromEntries(counts);
}

/** The list keys a record belongs to: one per package it names (`p`), one per alias (`a`). */
function listKeysOf(record: OsvRecord): Set<string> {
  const keys = new Set<string>();
  for (const affected of record.affected ?? []) {
    if (affected.package !== undefined) {
      keys.add(pkgKey(packageKey({ ecosystem: affected.package.ecosystem, name: normalizePackageName(affected.package.ecosystem, affected.package.name) })));
    }
  }
  for (const alias of record.aliases ?? []) if (alias !== record.id) keys.add(aliasKey(alias));
  return keys;
}

/** The index entries of one enrichment table's file. */
function tableOps(name: 'kev' | 'epss' | 'nvd', bytes: Uint8Array, path: string): BatchOp[] {
  const ops: BatchOp[] = [];
  switch (name) {
    case 'kev':
      for (const [cve, entry] of parseKevLines(bytes, path).catalog.entries) {
        const fact: KevFact = { dateAdded: entry.dateAdded, dueDate: entry.dueDate, knownRansomwareCampaignUse: entry.knownRansomwareCampaignUse };
        ops.push({ type: 'put', key: kevKey(cve), value: JSON.stringify(fact) });
      }
      return ops;
    case 'epss':
      for (const [cve, score] of parseEpssCsv(bytes, path).scores.entries()) ops.push({ type: 'put', key: epssKey(cve), value: `${score.epss},${score.percentile}` });
      return ops;
    case 'nvd': {
      const byCve = new Map<string, NvdCvss[]>();
      for (const row of parseNvdTable(bytes, path).rows) byCve.set(row.cve, [...(byCve.get(row.cve) ?? []), { type: row.type, primary: row.primary, vector: row.vector }]);
      for (const [cve, list] of byCve) ops.push({ type: 'put', key: nvdKey(cve), value: JSON.stringify(list) });
      return ops;
    }
    default:
      throw new StellaError('INTERNAL', `advisory index: unknown table ${String(name)}`);
  }
}

