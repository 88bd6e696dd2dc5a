/**
 * Git's delta encoding checked by its own inverse; pack-file.test.ts has
 * native git index the deltas it writes.
 */
import { describe, expect, it } from 'vitest';
import { applyDelta, createDelta } from './delta.js';
import { objectId } from './pack-file.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A tree object body: entries `<mode> <name>\0<20-byte id>`, sorted by name. */
function tree(entries: [string, string][]): Uint8Array {
  return Buffer.concat(entries.map(([name, oid]) => Buffer.concat([Buffer.from(`100644 ${name}\0`), Buffer.from(oid, 'hex')])));
}

describe('createDelta / applyDelta', () => {
  it('expresses a tree that gained one entry in a few dozen bytes', async () => {
    const blobs = await Promise.all(Array.from({ length: 800 }, (_, i) => objectId('blob', text(`report ${i}\n`))));
    const names = blobs.map((oid, i): [string, string] => [`t${String(i).padStart(4, '0')}`, oid]);
    const before = tree(names);
    const after = tree([...names.slice(0, 400), ['t0399x', await objectId('blob', text('new'))], ...names.slice(400)]);
    const delta = createDelta(before, after, 'tree');
    expect(Buffer.from(applyDelta(before, delta))).toEqual(after);
    expect(before.length).toBeGreaterThan(20_000);
    expect(delta.length).toBeLessThan(64);
  });

  it('round-trips line edits, deletions, reordering, empty sides and copies longer than 64 KiB', () => {
    const long = Array.from({ length: 5000 }, (_, i) => `{"id":"GHSA-${i}","severity":"HIGH"}\n`).join('');
    const cases: [string, string][] = [
      ['a\nb\nc\n', 'a\nB\nc\nd'],
      ['', 'all new\n'],
      ['all gone\n', ''],
      ['x\ny\nz\n', 'z\ny\nx\n'],
      [long, `head\n${long.replace('GHSA-2500', 'GHSA-X')}tail`],
      ['no newline at all', 'no newline at all, changed'],
    ];
    for (const [base, target] of cases) {
      const delta = createDelta(text(base), text(target), 'lines');
      expect(new TextDecoder().decode(applyDelta(text(base), delta))).toBe(target);
    }
    expect(createDelta(text(long), text(long), 'lines').length).toBeLessThan(16);
  });

  it('refuses a delta made for another base', () => {
    const delta = createDelta(text('one\n'), text('two\n'), 'lines');
    expect(() => applyDelta(text('three\n'), delta)).toThrow(/another size/);
  });
});
