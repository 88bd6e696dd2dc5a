/**
 * The rollback and freeze rule on its own: source sequences, commits and
 * times against the last applied kit, and OSV shards before and after.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KitSource } from './manifest.js';
import { checkAdvisoryRollback, decideRollback } from './rollback.js';

const ANCHOR = 'a'.repeat(64);
const source = (sequence: number, commit: string, committed: string): KitSource => ({ commit: commit.repeat(40), ref: 'main', sequence, committed, trustAnchor: ANCHOR });
const last = source(10, 'a', '2025-03-01T00:00:00.000Z');
const now = new Date('2025-03-05T00:00:00Z');

async function refusal(run: () => unknown): Promise<{ code: string; message: string; data?: { reason?: string } }> {
  try {
    await run();
  } catch (error) {
    return error as { code: string; message: string; data?: { reason?: string } };
  }
  throw new Error('not refused');
}

describe('decideRollback', () => {
  it('applies the first kit and any kit further along the same history', () => {
    expect(decideRollback(undefined, last, { now }, 'k.tar')).toBe('apply');
    expect(decideRollback(last, source(11, 'b', '2025-03-02T00:00:00.000Z'), { now }, 'k.tar')).toBe('apply');
    expect(decideRollback(last, source(11, 'b', '2025-03-01T00:00:00.000Z'), { now }, 'k.tar')).toBe('apply');
  });

  it('calls the kit applied last already applied', () => {
    expect(decideRollback(last, { ...last }, { now }, 'k.tar')).toBe('already-applied');
  });

  it.each([
    ['a lower sequence', source(9, 'b', '2025-03-02T00:00:00.000Z'), /older than the applied kit's/],
    ['the same sequence with another commit', source(10, 'b', '2025-03-02T00:00:00.000Z'), /history was rewritten/],
    ['a higher sequence committed earlier', source(11, 'b', '2025-02-01T00:00:00.000Z'), /dated 2025-02-01.*before the applied kit's/],
    ['the same commit claiming another sequence', source(12, 'a', '2025-03-01T00:00:00.000Z'), /the applied kit said 10/],
  ])('refuses %s as a rollback', async (_label, incoming, message) => {
    const error = await refusal(() => decideRollback(last, incoming, { now }, 'k.tar'));
    expect(error).toMatchObject({ code: 'VERIFY_FAILED', data: { reason: 'rollback' } });
    expect(error.message).toMatch(/^k\.tar: refused as a rollback: /);
    expect(error.message).toMatch(message);
  });

  it('refuses a kit older than maxAgeDays, even the one applied last', async () => {
    expect(decideRollback(last, source(11, 'b', '2025-03-02T00:00:00.000Z'), { now, maxAgeDays: 7 }, 'k.tar')).toBe('apply');
    const error = await refusal(() => decideRollback(last, { ...last }, { now, maxAgeDays: 3 }, 'k.tar'));
    expect(error).toMatchObject({ code: 'VERIFY_FAILED', data: { reason: 'stale' } });
    expect(error.message).toMatch(/4 days old, over the limit of 3/);
  });
});

describe('checkAdvisoryRollback', () => {
  const line = (id: string, modified: string): string => `{"id":"${id}","modified":"${modified}"}\n`;
  const shard = (...lines: string[]): Uint8Array => new TextEncoder().encode(lines.join(''));
  const oid = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('hex');
  const path = 'feeds/osv/shards/a3.jsonl';
  const mine = shard(line('CVE-1', '2025-01-01T00:00:00Z'), line('CVE-2', '2025-01-01T00:00:00Z'));

  async function check(theirs: Uint8Array | undefined): Promise<void> {
    const current = new Map([[path, oid(mine)]]);
    const incoming = new Map(theirs === undefined ? [] : [[path, { oid: oid(theirs) }]]);
    await checkAdvisoryRollback('k.tar', current, incoming, async () => mine, () => theirs);
  }

  it('accepts the same shard, newer versions and new advisories', async () => {
    await check(mine);
    await check(shard(line('CVE-1', '2025-02-01T00:00:00Z'), line('CVE-2', '2025-01-01T00:00:00Z'), line('CVE-3', '2024-01-01T00:00:00Z')));
  });

  it('refuses a shard that drops an advisory or carries an older one, naming them', async () => {
    const dropped = await refusal(() => check(shard(line('CVE-1', '2025-01-01T00:00:00Z'))));
    expect(dropped.message).toMatch(/rollback: it drops 1 \(CVE-2\)/);
    const older = await refusal(() => check(shard(line('CVE-1', '2024-12-31T00:00:00Z'), line('CVE-2', '2025-01-01T00:00:00Z'))));
    expect(older.message).toMatch(/carries an older version of 1 \(CVE-1\)/);
    const gone = await refusal(() => check(undefined));
    expect(gone.message).toMatch(/drops 2 \(CVE-1, CVE-2\)/);
  });
});
