/**
 * Pax extended header records: `<decimal length> <key>=<value>\n`, the
 * length counting the whole record. The lax reading (images) keeps the keys
 * that change what an entry is — path, linkpath, size, GNU sparse markers —
 * and ignores the rest; the strict reading (kits) accepts `path` and keys
 * that describe nothing a strict reader uses (times, owners, comment), and
 * refuses every other key, a zero-led length and a record that is not UTF-8.
 *
 * @example
 *   const pending = emptyPending();
 *   applyPax(body, pending, 0, 'kit.tar', false);
 *   pending.path; // the `path` record's bytes, if any
 */
import { StellaError } from '../../errors.js';

/** What the long headers before an entry said about it. */
export interface Pending {
  path: Uint8Array | undefined;
  linkpath: Uint8Array | undefined;
  size: number | undefined;
  sparse: boolean;
  problem: string | undefined;
}

/**
 * Nothing said yet.
 *
 * @example
 *   emptyPending().path; // undefined
 */
export function emptyPending(): Pending {
  return { path: undefined, linkpath: undefined, size: undefined, sparse: false, problem: undefined };
}

/** pax keys that describe nothing a strict reader returns, so are accepted and ignored. */
const HARMLESS_KEYS = new Set(['atime', 'ctime', 'mtime', 'uid', 'gid', 'uname', 'gname', 'comment']);
const latin1 = new TextDecoder('latin1');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Applies the records of one pax header (at stream offset `offset`) to `pending`.
 * Throws TAR_CORRUPT for a malformed record; in strict mode PATH_UNSAFE for a key it does not accept.
 */
export function applyPax(body: Uint8Array, pending: Pending, offset: number, where: string, strict: boolean): void {
  let pos = 0;
  while (pos < body.length) {
    if (body[pos] === 0 && !strict) break; // NUL padding after the last record
    let length = 0;
    let i = pos;
    while (i < body.length && (body[i] ?? 0) >= 0x30 && (body[i] ?? 0) <= 0x39 && i - pos < 12) {
      length = length * 10 + ((body[i] ?? 0) - 0x30);
      i++;
    }
    const end = pos + length;
    if (i === pos || body[i] !== 0x20 || end > body.length || end <= i + 1 || body[end - 1] !== 0x0a || (strict && body[pos] === 0x30)) {
      const problem = strict ? `pax header at offset ${offset} has a malformed record at byte ${pos}` : `malformed pax header record in the header at offset ${offset}`;
      throw new StellaError('TAR_CORRUPT', `${where}: ${problem}`);
    }
    const equals = body.indexOf(0x3d, i + 1);
    if (equals === -1 || equals >= end || (strict && equals === i + 1)) {
      const problem = strict ? `pax header at offset ${offset} has a record without a key` : `pax header record without '=' in the header at offset ${offset}`;
      throw new StellaError('TAR_CORRUPT', `${where}: ${problem}`);
    }
    const key = latin1.decode(body.subarray(i + 1, equals));
    const value = body.subarray(equals + 1, end - 1);
    if (strict) applyStrict(key, body.subarray(i + 1, end - 1), value, pending, offset, where);
    else applyLax(key, value, pending, offset, where);
    pos = end;
  }
}

function applyLax(key: string, value: Uint8Array, pending: Pending, offset: number, where: string): void {
  // An empty value deletes the keyword (POSIX), i.e. falls back to the ustar field.
  if (key === 'path') pending.path = value.length === 0 ? undefined : value;
  else if (key === 'linkpath') pending.linkpath = value.length === 0 ? undefined : value;
  else if (key === 'size') pending.size = value.length === 0 ? undefined : parseDecimal(value, offset, where);
  else if (key.startsWith('GNU.sparse.')) {
    pending.sparse = true;
    if (key === 'GNU.sparse.name' && value.length > 0) pending.path = value;
  }
}

function applyStrict(key: string, record: Uint8Array, value: Uint8Array, pending: Pending, offset: number, where: string): void {
  try {
    strictUtf8.decode(record);
  } catch {
    throw new StellaError('PATH_UNSAFE', `${where}: entry at offset ${offset} has a name that is not valid UTF-8`);
  }
  if (key === 'path') pending.path = value;
  else if (!HARMLESS_KEYS.has(key)) {
    throw new StellaError('PATH_UNSAFE', `${where}: pax header at offset ${offset} sets '${JSON.stringify(key).slice(1, -1).slice(0, 200)}', which a strict archive does not allow`);
  }
}

function parseDecimal(value: Uint8Array, offset: number, where: string): number {
  let n = 0;
  for (const byte of value) {
    if (byte < 0x30 || byte > 0x39) {
      throw new StellaError('TAR_CORRUPT', `${where}: invalid pax size in the header at offset ${offset}`);
    }
    n = n * 10 + (byte - 0x30);
    if (n > Number.MAX_SAFE_INTEGER) {
      throw new StellaError('TAR_CORRUPT', `${where}: pax size too large in the header at offset ${offset}`);
    }
  }
  return n;
}
