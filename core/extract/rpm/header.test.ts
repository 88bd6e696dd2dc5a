import { describe, expect, it } from 'vitest';
import { xorshift32 } from '../fixtures.test-helper.js';
import { RPMTAG, readRpmHeader } from './header.js';
import type { RpmHeaderResult } from './header.js';
import { parseSourceRpm } from './index.js';
import { encodeRpmHeader, int32Tag, packageHeader, stringTag } from './rpmdb.test-helper.js';
import type { HeaderTag } from './rpmdb.test-helper.js';

const base = (): HeaderTag[] => [stringTag(RPMTAG.NAME, 'bash'), stringTag(RPMTAG.VERSION, '5.2.26'), stringTag(RPMTAG.RELEASE, '3.fc40')];

/** The index entry of `tag` in `blob`, for editing in place. */
function entryAt(blob: Uint8Array, tag: number): number {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  for (let at = 8; at < 8 + view.getUint32(0) * 16; at += 16) if (view.getUint32(at) === tag) return at;
  throw new Error(`tag ${tag} not in blob`);
}

function edit(blob: Uint8Array, change: (view: DataView) => void): Uint8Array {
  const copy = blob.slice();
  change(new DataView(copy.buffer));
  return copy;
}

const problem = (result: RpmHeaderResult): string => (result.kind === 'invalid' ? result.problem : 'no problem');

describe('readRpmHeader', () => {
  it('reads the tags we use and ignores the rest', () => {
    const blob = encodeRpmHeader([
      { tag: 63, type: 7, count: 16, data: new Uint8Array(16), align: 1 }, // a region tag, as rpm writes first
      ...base(),
      int32Tag(RPMTAG.EPOCH, 1),
      stringTag(RPMTAG.ARCH, 'x86_64'),
      stringTag(1004, 'The GNU Bourne Again shell'),
      stringTag(RPMTAG.SOURCERPM, 'bash-5.2.26-3.fc40.src.rpm'),
    ]);
    expect(readRpmHeader(blob)).toEqual({
      kind: 'header',
      header: { name: 'bash', version: '5.2.26', release: '3.fc40', epoch: 1, arch: 'x86_64', sourceRpm: 'bash-5.2.26-3.fc40.src.rpm' },
      problems: [],
    });
  });

  it('reads a blob that is a view into a larger buffer', () => {
    const blob = packageHeader({ name: 'a', version: '1', release: '2', epoch: 7 });
    const big = new Uint8Array(blob.byteLength + 13);
    big.set(blob, 5);
    expect(readRpmHeader(big.subarray(5, 5 + blob.byteLength))).toMatchObject({ kind: 'header', header: { name: 'a', epoch: 7 } });
  });

  it('an I18NSTRING gives its first string; a later entry for a tag replaces an earlier one', () => {
    const i18n: HeaderTag = { tag: RPMTAG.NAME, type: 9, count: 2, data: new TextEncoder().encode('first\u0000second\u0000'), align: 1 };
    expect(readRpmHeader(encodeRpmHeader([...base().slice(1), i18n]))).toMatchObject({ header: { name: 'first' } });
    expect(readRpmHeader(encodeRpmHeader([...base(), stringTag(RPMTAG.NAME, 'dribble')]))).toMatchObject({ header: { name: 'dribble' } });
  });

  it.each([
    ['shorter than the intro', Uint8Array.of(0, 0, 0), 'header blob is 3 bytes, shorter than its 8-byte intro'],
    ['no entries', Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0), 'header has no index entries'],
    ['more entries than rpm allows', Uint8Array.of(0, 1, 0, 0, 0, 0, 0, 0), "header declares 65536 index entries, more than rpm's limit of 65535"],
    ['more data than rpm allows', Uint8Array.of(0, 0, 0, 1, 0x10, 0, 0, 0), "header declares 268435456 data bytes, more than rpm's limit of 268435455"],
    ['entries past the end', Uint8Array.of(0, 0, 0, 2, 0, 0, 0, 0), 'header declares 2 index entries and 0 data bytes (40 bytes), but the blob is 8 bytes'],
  ])('%s', (_label, blob, expected) => {
    expect(readRpmHeader(blob)).toEqual({ kind: 'invalid', problem: expected });
  });

  it('a blob longer or shorter than its intro says is refused, as rpm does', () => {
    const blob = encodeRpmHeader(base());
    const longer = new Uint8Array(blob.byteLength + 1);
    longer.set(blob);
    expect(problem(readRpmHeader(longer))).toMatch(/but the blob is \d+ bytes$/);
    expect(problem(readRpmHeader(blob.subarray(0, blob.byteLength - 1)))).toMatch(/but the blob is \d+ bytes$/);
  });

  it('entries pointing outside the data store, wrong types and counts, unterminated and non-UTF-8 strings', () => {
    const blob = encodeRpmHeader([...base(), int32Tag(RPMTAG.EPOCH, 1)]);
    const name = entryAt(blob, RPMTAG.NAME);
    const epoch = entryAt(blob, RPMTAG.EPOCH);
    const dataLength = new DataView(blob.buffer).getUint32(4);
    const cases: Array<[(view: DataView) => void, RegExp]> = [
      [(v) => v.setUint32(name + 8, dataLength), /^NAME offset \d+ is outside the \d+-byte data store$/],
      [(v) => v.setUint32(name + 8, 0xffffffff), /^NAME offset 4294967295 is outside/],
      [(v) => v.setUint32(name + 4, 8), /^NAME has type 8, not a string$/],
      [(v) => v.setUint32(name + 12, 2), /^NAME has count 2$/],
      [(v) => v.setUint32(epoch + 4, 6), /^EPOCH has type 6, not INT32$/],
      [(v) => v.setUint32(epoch + 12, 0), /^EPOCH has count 0$/],
      [(v) => v.setUint32(epoch + 8, dataLength - 3), /^EPOCH offset \d+ is outside the \d+-byte data store$/],
      [(v) => v.setUint32(epoch + 8, 0xfffffffe), /^EPOCH offset 4294967294 is outside/],
      [(v) => v.setUint32(entryAt(blob, RPMTAG.RELEASE), 9999), /^header has no RELEASE tag$/],
    ];
    for (const [change, expected] of cases) expect(problem(readRpmHeader(edit(blob, change)))).toMatch(expected);

    // RELEASE is the last string in this layout: overwriting its NUL leaves it unterminated.
    const last = encodeRpmHeader([int32Tag(RPMTAG.EPOCH, 1), ...base()]);
    const cut = last.slice();
    cut[cut.byteLength - 1] = 0x41;
    expect(problem(readRpmHeader(cut))).toMatch(/^RELEASE at offset \d+ runs past the end of the data store$/);

    const latin1 = encodeRpmHeader([{ tag: RPMTAG.NAME, type: 6, count: 1, data: Uint8Array.of(0x63, 0x61, 0x66, 0xe9, 0), align: 1 }, ...base().slice(1)]);
    expect(problem(readRpmHeader(latin1))).toBe('NAME is not valid UTF-8');
  });

  it('a broken ARCH or SOURCERPM keeps the header and reports the problem', () => {
    const blob = encodeRpmHeader([...base(), stringTag(RPMTAG.ARCH, 'x86_64'), int32Tag(RPMTAG.SOURCERPM, 5)]);
    const result = readRpmHeader(edit(blob, (v) => v.setUint32(entryAt(blob, RPMTAG.ARCH) + 8, 0x7fffffff)));
    expect(result).toEqual({
      kind: 'header',
      header: { name: 'bash', version: '5.2.26', release: '3.fc40' },
      problems: [expect.stringMatching(/^ARCH offset 2147483647 is outside the \d+-byte data store$/), 'SOURCERPM has type 4, not a string'],
    });
  });

  it('never throws and stays fast on mutated and random blobs', () => {
    const valid = packageHeader({ name: 'openssl-libs', version: '3.0.7', release: '27.el9', epoch: 1, arch: 'x86_64', sourceRpm: 'openssl-3.0.7-27.el9.src.rpm' });
    const next = xorshift32(0x2545f491);
    const start = performance.now();
    const kinds = new Set<string>();
    for (let round = 0; round < 20_000; round++) {
      const blob = round % 10 === 0 ? Uint8Array.from({ length: next() % 200 }, () => next() & 0xff) : valid.slice();
      for (let flips = 1 + (next() % 4); flips > 0 && blob.byteLength > 0; flips--) blob[next() % blob.byteLength] = next() & 0xff;
      kinds.add(readRpmHeader(blob).kind);
    }
    expect(kinds).toEqual(new Set(['header', 'invalid']));
    expect(performance.now() - start).toBeLessThan(5_000);
  });

  it('65535 index entries cost one pass, not an allocation per count', () => {
    const entries = 0xffff;
    const blob = new Uint8Array(8 + entries * 16 + 4);
    const view = new DataView(blob.buffer);
    view.setUint32(0, entries);
    view.setUint32(4, 4);
    // Every entry claims a huge count of a tag we do not read.
    for (let i = 0; i < entries; i++) {
      view.setUint32(8 + i * 16, 5000);
      view.setUint32(8 + i * 16 + 12, 0xffffffff);
    }
    const start = performance.now();
    expect(readRpmHeader(blob)).toEqual({ kind: 'invalid', problem: 'header has no NAME tag' });
    expect(performance.now() - start).toBeLessThan(500);
  });
});

describe('parseSourceRpm', () => {
  it.each([
    ['openssl-3.0.7-27.el9.src.rpm', { name: 'openssl', version: '3.0.7-27.el9' }],
    ['python-requests-2.31.0-3.fc40.src.rpm', { name: 'python-requests', version: '2.31.0-3.fc40' }],
    ['a-1-1.nosrc.rpm', { name: 'a', version: '1-1' }],
    ['kernel-5.14.0-362.8.1.el9_3.src.rpm', { name: 'kernel', version: '5.14.0-362.8.1.el9_3' }],
  ])('%s', (file, expected) => {
    expect(parseSourceRpm(file)).toEqual(expected);
  });

  it.each(['(none)', '', 'openssl.src.rpm', 'openssl-3.0.7.src.rpm', '-1-1.src.rpm', 'a--1.src.rpm', 'a-1-.src.rpm', 'a-1-1.rpm', 'a b-1-1.src.rpm'])('%j is not a source rpm name', (file) => {
    expect(parseSourceRpm(file)).toBeUndefined();
  });
});
