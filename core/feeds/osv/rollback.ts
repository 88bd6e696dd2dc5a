/**
 * The advisory half of every rollback rule (an Offline Update Kit, a pull of
 * main): the feed only ever grows and moves forward. For every OSV shard
 * that an update changes or removes, every advisory the repository holds
 * must still be there, with a `modified` time no older. Anything else is
 * refused (VERIFY_FAILED, data.reason 'rollback'), naming a few ids.
 *
 * @example
 *   await checkAdvisoryRollback('kit.tar', currentShards, incomingShards, readBlob, (path) => bytes.get(path));
 */
import { StellaError } from '../../errors.js';
import { OSV_SHARD_DIR, parseShard, type ShardLine } from './shard.js';

/** Ids named in a refusal before "…". */
const NAMED = 3;

function refuse(where: string, problem: string): never {
  throw new StellaError('VERIFY_FAILED', `${where}: refused as a rollback: ${problem}`, { data: { reason: 'rollback' } });
}

export interface ShardState {
  /** Git blob id. */
  oid: string;
}

/**
 * The advisory half of the rule: for every OSV shard of the repository that
 * the kit changes (or removes), every advisory must still be there, with a
 * `modified` time no older. `current` and `incoming` map paths to blob ids;
 * `readCurrent` reads a current shard, `incomingBytes` the kit's.
 */
export async function checkAdvisoryRollback(
  where: string,
  current: ReadonlyMap<string, string>,
  incoming: ReadonlyMap<string, ShardState>,
  readCurrent: (oid: string) => Promise<Uint8Array>,
  incomingBytes: (path: string) => Uint8Array | undefined,
): Promise<void> {
  const dropped: string[] = [];
  const older: string[] = [];
  for (const [path, oid] of current) {
    if (!path.startsWith(`${OSV_SHARD_DIR}/`) || incoming.get(path)?.oid === oid) continue;
    const before = shardLines(await readCurrent(oid), `${path} in this repository`);
    const bytes = incoming.has(path) ? incomingBytes(path) : undefined;
    const after = bytes === undefined ? new Map<string, ShardLine>() : shardLines(bytes, `${where}: ${path}`);
    for (const [id, line] of before) {
      const next = after.get(id);
      if (next === undefined) dropped.push(id);
      else if (Date.parse(next.modified) < Date.parse(line.modified)) older.push(id);
    }
  }
  if (dropped.length === 0 && older.length === 0) return;
  const name = (ids: string[], what: string): string => `${what} ${ids.length} (${ids.sort().slice(0, NAMED).join(', ')}${ids.length > NAMED ? ', …' : ''})`;
  const parts = [dropped.length > 0 ? name(dropped, 'it drops') : '', older.length > 0 ? name(older, 'it carries an older version of') : ''].filter((p) => p !== '');
  refuse(where, `${parts.join(' and ')} of the advisories this repository holds`);
}

function shardLines(bytes: Uint8Array, label: string): Map<string, ShardLine> {
  try {
    return parseShard(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new StellaError('JSON_INVALID', `${label}: not a shard of OSV records (${(error as Error).message})`, { cause: error });
  }
}
