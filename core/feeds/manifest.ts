/**
 * A feed manifest says what a feed folder holds — record counts, the
 * SHA-256 of every shard, the sources it was built from — and is signed
 * as a detached JWS (`manifest.json.jws`) by a key with the `feeds` role.
 * Checking the manifest signature and then each shard's digest proves every
 * advisory byte came from an authorised import.
 *
 * @example
 *   const manifest = buildManifest('osv', shards, sources);
 *   const bytes = encodeManifest(manifest);
 */
import { parseUntrustedJson } from '../json/untrusted.js';
import { StellaError } from '../errors.js';
import { sortedJson } from '../json/sorted.js';

export const MANIFEST_TYPE = 'stella.feed-manifest/v1';

/** Suffix of a manifest's detached signature: `manifest.json.jws` beside `manifest.json`. */
export const MANIFEST_SIGNATURE_SUFFIX = '.jws';

export interface ShardSummary {
  sha256: string;
  records: number;
}

export interface SourceSummary {
  /** SHA-256 of the source file (or of the listing of a folder's records). */
  sha256: string;
  records: number;
}

export interface FeedManifest {
  type: typeof MANIFEST_TYPE;
  feed: string;
  records: number;
  /** Records per affected ecosystem (without release suffix). */
  ecosystems: Record<string, number>;
  shards: Record<string, ShardSummary>;
  sources: Record<string, SourceSummary>;
}

export function buildManifest(
  feed: string,
  shards: Record<string, ShardSummary>,
  ecosystems: Record<string, number>,
  sources: Record<string, SourceSummary>,
): FeedManifest {
  const records = Object.values(shards).reduce((sum, shard) => sum + shard.records, 0);
  return { type: MANIFEST_TYPE, feed, records, ecosystems, shards, sources };
}

export function encodeManifest(manifest: FeedManifest): Uint8Array {
  return new TextEncoder().encode(sortedJson(manifest));
}

export function parseManifest(bytes: Uint8Array, where: string): FeedManifest {
  let value: unknown;
  try {
    value = parseUntrustedJson(where, new TextDecoder().decode(bytes));
  } catch (error) {
    throw new StellaError('JSON_INVALID', `${where}: not valid JSON (${(error as Error).message})`);
  }
  const m = value as Partial<FeedManifest> | null;
  if (m === null || typeof m !== 'object' || m.type !== MANIFEST_TYPE || typeof m.feed !== 'string' || typeof m.shards !== 'object' || m.shards === null) {
    throw new StellaError('REPO_INVALID', `${where}: not a ${MANIFEST_TYPE} manifest`);
  }
  return m as FeedManifest;
}
