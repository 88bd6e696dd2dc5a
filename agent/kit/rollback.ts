/**
 * The rollback and freeze rule: an air-gapped site must never be moved back
 * to older advisories, policies or trust by replaying an old (validly
 * signed) kit, and may ask to be told when its supply has stopped.
 *
 * The receiving repository records the last kit it applied: that kit's
 * signed manifest is committed as `kit/manifest.json` (+ `.jws`) on main.
 * A new kit, with source S (commit, sequence, committed time), is
 *
 * - refused when S.sequence < last.sequence (an older state of the source);
 * - refused when S.sequence = last.sequence but the commit differs (the
 *   source's history was rewritten: two states claim the same place);
 * - refused when S.committed is earlier than last.committed;
 * - a no-op ("already applied") when S.commit = last.commit;
 * - refused when, in any OSV shard it changes, it would drop an advisory
 *   the repository holds or carry an older `modified` for it — the feed
 *   only ever grows and moves forward, whatever kit was applied before;
 * - with `maxAgeDays`, refused when S.committed is older than that: a
 *   frozen supply (the same old kit offered again and again) is reported
 *   instead of silently accepted.
 *
 * Sequence numbers compare states of one source repository; a site fed
 * from a different source starts from a repository without `kit/`.
 *
 * @example
 *   const decision = decideRollback(last, incoming, { now: new Date() }, 'kit.tar'); // 'apply'
 */
import { StellaError } from '../../core/errors.js';
export { checkAdvisoryRollback, type ShardState } from '../../core/feeds/osv/rollback.js';
import type { KitSource } from './manifest.js';

export type RollbackDecision = 'apply' | 'already-applied';

export interface RollbackOptions {
  now: Date;
  /** Refuse kits whose source commit is older than this many days. */
  maxAgeDays?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Advisory ids named in a rollback message before the rest are only counted. */
function refuse(where: string, problem: string): never {
  throw new StellaError('VERIFY_FAILED', `${where}: refused as a rollback: ${problem}`, { data: { reason: 'rollback' } });
}

/**
 * Compares the kit's source with the last applied one (undefined when this
 * repository never applied a kit). Throws VERIFY_FAILED (data.reason
 * 'rollback') when the kit must not be applied.
 */
export function decideRollback(last: KitSource | undefined, incoming: KitSource, options: RollbackOptions, where: string): RollbackDecision {
  const committed = Date.parse(incoming.committed);
  if (options.maxAgeDays !== undefined && options.now.getTime() - committed > options.maxAgeDays * DAY_MS) {
    const days = Math.floor((options.now.getTime() - committed) / DAY_MS);
    throw new StellaError('VERIFY_FAILED', `${where}: refused as stale: its source commit is ${days} days old, over the limit of ${options.maxAgeDays}; ask for a newer kit`, {
      data: { reason: 'stale' },
    });
  }
  if (last === undefined) return 'apply';
  const at = (s: KitSource): string => `${s.commit.slice(0, 12)} (sequence ${s.sequence})`;
  if (incoming.commit === last.commit) {
    if (incoming.sequence !== last.sequence) refuse(where, `it gives commit ${incoming.commit.slice(0, 12)} sequence ${incoming.sequence}, the applied kit said ${last.sequence}`);
    return 'already-applied';
  }
  if (incoming.sequence < last.sequence) refuse(where, `it holds ${at(incoming)}, older than the applied kit's ${at(last)}`);
  if (incoming.sequence === last.sequence) refuse(where, `it holds ${at(incoming)}, a different commit at the applied kit's place ${at(last)}; the source history was rewritten`);
  if (committed < Date.parse(last.committed)) refuse(where, `its source commit is dated ${incoming.committed}, before the applied kit's ${last.committed}`);
  return 'apply';
}
