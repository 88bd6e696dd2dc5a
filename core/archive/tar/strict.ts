/**
 * The rules of strict mode (kits: archives that cross an air gap and are
 * read by the site that trusts them least) that concern whole entries and
 * the end of the archive, with the messages a person reading them can act
 * on. Header-level rules live in header.ts and pax.ts.
 *
 * @example
 *   checkStrictType(raw, offset, 'kit.tar'); // throws PATH_UNSAFE for a symlink
 */
import { StellaError } from '../../errors.js';
import { printable } from '../bytes.js';
import { decodeName, printableBytes } from './entry.js';
import type { TarEntry } from './entry.js';
import type { RawHeader } from './header.js';

const FILE = 0x30;
const FILE_OLD = 0x00;
const DIRECTORY = 0x35;
const PAX = 0x78;

/** True for the only long header strict mode reads: a pax extended header (`x`). */
export function isStrictLongHeader(raw: RawHeader): boolean {
  return raw.typeflag === PAX;
}

/** Refuses every entry that is not a regular file or directory, naming what it is. */
export function checkStrictType(raw: RawHeader, offset: number, where: string): void {
  if (raw.typeflag === FILE || raw.typeflag === FILE_OLD || raw.typeflag === DIRECTORY) return;
  const name = decodeName(raw.name);
  const shown = name === undefined ? printableBytes(raw.name) : printable(name);
  throw new StellaError('PATH_UNSAFE', `${where}: entry '${shown}' at offset ${offset} is ${kindOf(raw.typeflag)}; a strict archive holds only regular files and directories`);
}

/** Refuses an entry whose name could not be decoded or is over `maxPathBytes`, and a directory that claims data. */
export function checkStrictEntry(entry: TarEntry, raw: RawHeader, maxPathBytes: number, where: string): void {
  if (entry.name === undefined) {
    const nameBytes = entry.problem?.startsWith('path of ') === true;
    if (nameBytes) throw new StellaError('LIMIT_EXCEEDED', `${where}: entry at offset ${entry.offset} has a path longer than ${maxPathBytes} bytes`);
    throw new StellaError('PATH_UNSAFE', `${where}: entry at offset ${entry.offset} has a name that is unusable (${entry.problem ?? 'not decodable'})`);
  }
  if (raw.typeflag === DIRECTORY && raw.size !== 0) {
    const path = entry.name.endsWith('/') ? entry.name.slice(0, -1) : entry.name;
    throw new StellaError('TAR_CORRUPT', `${where}: directory '${printable(path)}' at offset ${entry.offset} has a size of ${raw.size}`);
  }
}

function kindOf(typeflag: number): string {
  switch (typeflag) {
    case 0x31:
      return 'a hard link';
    case 0x32:
      return 'a symbolic link';
    case 0x33:
    case 0x34:
      return 'a device file';
    case 0x36:
      return 'a FIFO';
    case 0x4c:
    case 0x4b:
      return 'a GNU long name';
    case 0x67:
      return 'a global pax header';
    case 0x53:
      return 'a sparse file';
    default:
      return `of type '${printable(String.fromCharCode(typeflag))}'`;
  }
}

/** Where the stream stopped, for the strict end-of-archive message. */
export type StrictEnd =
  | { at: 'empty' }
  | { at: 'contents' | 'padding'; name: string; offset: number }
  | { at: 'pax'; offset: number }
  | { at: 'header' | 'no-marker' | 'one-marker'; offset: number };

/** The TAR_CORRUPT error for a strict archive that ends early. */
export function strictEndError(end: StrictEnd, where: string): StellaError {
  switch (end.at) {
    case 'empty':
      return new StellaError('TAR_CORRUPT', `${where}: is empty, not a tar archive`);
    case 'contents':
      return truncated(where, `ends inside the contents of '${printable(end.name)}'`, end.offset);
    case 'padding':
      return truncated(where, `ends inside the padding after '${printable(end.name)}'`, end.offset);
    case 'pax':
      return truncated(where, 'ends inside a pax header', end.offset);
    case 'header':
      return truncated(where, 'ends inside a header', end.offset);
    case 'no-marker':
      return truncated(where, 'ends without the end-of-archive marker', end.offset);
    case 'one-marker':
      return truncated(where, 'has only one of the two end-of-archive blocks', end.offset);
    default:
      throw new StellaError('INTERNAL', `unknown end state ${JSON.stringify(end)}`);
  }
}

function truncated(where: string, problem: string, offset: number): StellaError {
  return new StellaError('TAR_CORRUPT', `${where}: is truncated: it ${problem} (offset ${offset})`);
}
