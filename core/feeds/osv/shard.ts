/**
 * How OSV records are laid out in the state repository:
 *
 *   feeds/osv/shards/<xx>.jsonl   one record per line, canonical JSON, sorted by id
 *   feeds/osv/manifest.json       counts, SHA-256 per shard, sources (signed: manifest.json.jws)
 *
 * A record's shard is the low byte of the FNV-1a hash of its id, so shards
 * stay evenly filled (~90 records each for 22k advisories), a record never
 * moves, and a newer feed touches only the shards whose records changed.
 * Lines are sorted, so a pull-request diff shows records added and changed.
 *
 * @example
 *   shardOf('GHSA-jf85-cpcp-j695') // → 'a3' (stable forever)
 */

export const OSV_FEED_DIR = 'feeds/osv';
export const OSV_SHARD_DIR = `${OSV_FEED_DIR}/shards`;
export const OSV_MANIFEST_PATH = `${OSV_FEED_DIR}/manifest.json`;
export const SHARD_COUNT = 256;

/** The shard (two lowercase hex digits) a record id belongs to. */
export function shardOf(id: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash & 0xff).toString(16).padStart(2, '0');
}

export function shardPath(shard: string): string {
  return `${OSV_SHARD_DIR}/${shard}.jsonl`;
}

/** One stored record: its id, `modified` time and canonical JSON line. */
export interface ShardLine {
  id: string;
  modified: string;
  line: string;
}

/** Parses a shard file into id → line. Lines are canonical JSON written by `formatShard`. */
export function parseShard(text: string): Map<string, ShardLine> {
  const out = new Map<string, ShardLine>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const { id, modified } = JSON.parse(line) as { id: string; modified: string };
    out.set(id, { id, modified, line });
  }
  return out;
}

/** Serialises a shard: lines sorted by id, newline-terminated. */
export function formatShard(lines: Iterable<ShardLine>): string {
  const sorted = [...lines].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sorted.map((entry) => `${entry.line}\n`).join('');
}

/**
 * Which of two versions of the same record to keep. The newer `modified`
 * wins; on a tie the larger record, then the lexicographically greater one —
 * so the result never depends on the order the inputs were read in.
 */
export function preferRecord(a: ShardLine, b: ShardLine): ShardLine {
  const ta = Date.parse(a.modified);
  const tb = Date.parse(b.modified);
  if (ta !== tb) return ta > tb ? a : b;
  if (a.line.length !== b.line.length) return a.line.length > b.line.length ? a : b;
  return a.line >= b.line ? a : b;
}
