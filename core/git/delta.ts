/**
 * Git's delta encoding: a target object expressed as copies from a base
 * object plus inserted bytes. Pushing a folder tree that gained one entry,
 * or a report that changed a few lines, then costs the size of the change
 * instead of the size of the object — the remote already has the base.
 *
 * Matching works on units rather than bytes: tree entries for trees, lines
 * for everything else. That is what changes between two versions of a
 * state-repository object, and it keeps the encoder a single linear pass.
 *
 * Format: varint base size, varint result size, then instructions — insert
 * (a byte 1–127 followed by that many bytes) or copy (0x80 | flags, then the
 * offset and size bytes the flags name).
 *
 * @example
 *   const delta = createDelta(oldTree, newTree, 'tree');
 *   applyDelta(oldTree, delta); // equals newTree
 */
import { StellaError } from '../errors.js';

export type UnitKind = 'tree' | 'lines';

/** Copy instructions carry at most three size bytes. */
const MAX_COPY = 0xffffff;
const MAX_INSERT = 0x7f;

/**
 * A delta that rebuilds `target` from `base`, matching whole tree entries (`tree`) or lines (`lines`).
 *
 * @example const delta = createDelta(previousReport, report, 'lines');
 */
export function createDelta(base: Uint8Array, target: Uint8Array, kind: UnitKind): Uint8Array {
  const out: number[] = [];
  varint(out, base.length);
  varint(out, target.length);
  const where = new Map<string, number>();
  for (const [start, end] of units(base, kind)) {
    const key = latin1(base, start, end);
    if (!where.has(key)) where.set(key, start);
  }
  let copyStart = -1;
  let copyEnd = -1;
  let insertFrom = -1;
  let insertTo = -1;
  const flushCopy = (): void => {
    for (let at = copyStart; at < copyEnd; at += MAX_COPY) copy(out, at, Math.min(MAX_COPY, copyEnd - at));
    copyStart = -1;
  };
  const flushInsert = (): void => {
    for (let at = insertFrom; at < insertTo; at += MAX_INSERT) {
      const n = Math.min(MAX_INSERT, insertTo - at);
      out.push(n);
      for (let i = 0; i < n; i++) out.push(target[at + i] as number);
    }
    insertFrom = -1;
  };
  for (const [start, end] of units(target, kind)) {
    const found = where.get(latin1(target, start, end));
    if (found === undefined) {
      if (copyStart !== -1) flushCopy();
      if (insertFrom === -1) insertFrom = start;
      insertTo = end;
    } else {
      if (insertFrom !== -1) flushInsert();
      if (copyStart !== -1 && found === copyEnd) copyEnd += end - start;
      else {
        if (copyStart !== -1) flushCopy();
        copyStart = found;
        copyEnd = found + (end - start);
      }
    }
  }
  if (copyStart !== -1) flushCopy();
  if (insertFrom !== -1) flushInsert();
  return Uint8Array.from(out);
}

/**
 * Rebuilds the target from a base and a delta; throws on a delta that does not fit the base.
 *
 * @example applyDelta(base, createDelta(base, target, 'lines')) // bytes equal to target
 */
export function applyDelta(base: Uint8Array, delta: Uint8Array): Uint8Array {
  let at = 0;
  const read = (): number => {
    if (at >= delta.length) throw new StellaError('REPO_INVALID', 'delta ends early');
    return delta[at++] as number;
  };
  const readVarint = (): number => {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = read();
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  if (readVarint() !== base.length) throw new StellaError('REPO_INVALID', 'delta was made for a base of another size');
  const out = new Uint8Array(readVarint());
  let written = 0;
  while (at < delta.length) {
    const op = read();
    if (op & 0x80) {
      let offset = 0;
      let size = 0;
      for (let i = 0; i < 4; i++) if (op & (1 << i)) offset += read() * 2 ** (8 * i);
      for (let i = 0; i < 3; i++) if (op & (0x10 << i)) size += read() * 2 ** (8 * i);
      if (size === 0) size = 0x10000;
      if (offset + size > base.length || written + size > out.length) throw new StellaError('REPO_INVALID', 'delta copies outside its base or result');
      out.set(base.subarray(offset, offset + size), written);
      written += size;
    } else if (op > 0) {
      if (at + op > delta.length || written + op > out.length) throw new StellaError('REPO_INVALID', 'delta inserts past its end');
      out.set(delta.subarray(at, at + op), written);
      at += op;
      written += op;
    } else {
      throw new StellaError('REPO_INVALID', 'delta has a reserved instruction 0');
    }
  }
  if (written !== out.length) throw new StellaError('REPO_INVALID', `delta produced ${written} of ${out.length} bytes`);
  return out;
}

function* units(bytes: Uint8Array, kind: UnitKind): Generator<[number, number]> {
  let at = 0;
  while (at < bytes.length) {
    let end: number;
    if (kind === 'tree') {
      // "<mode> <name>\0" then a 20-byte object id.
      const nul = bytes.indexOf(0, at);
      end = nul === -1 ? bytes.length : Math.min(bytes.length, nul + 21);
    } else {
      const newline = bytes.indexOf(0x0a, at);
      end = newline === -1 ? bytes.length : newline + 1;
    }
    yield [at, end];
    at = end;
  }
}

// A key per unit for the map: WHATWG's "latin1" (windows-1252) gives every byte its own code point, which is all a key needs.
const unitKeys = new TextDecoder('latin1');

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return unitKeys.decode(bytes.subarray(start, end));
}

function varint(out: number[], value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

function copy(out: number[], offset: number, size: number): void {
  const bytes: number[] = [];
  let op = 0x80;
  for (let i = 0; i < 4; i++) {
    const byte = Math.floor(offset / 2 ** (8 * i)) & 0xff;
    if (byte !== 0) {
      op |= 1 << i;
      bytes.push(byte);
    }
  }
  for (let i = 0; i < 3; i++) {
    const byte = Math.floor(size / 2 ** (8 * i)) & 0xff;
    if (byte !== 0) {
      op |= 0x10 << i;
      bytes.push(byte);
    }
  }
  out.push(op, ...bytes);
}
