/**
 * The Berkeley DB side of the rpm extractor: rpm's `Packages` file before
 * rpm 4.16 moved to SQLite (RHEL and CentOS 7 and 8, Amazon Linux 2, Oracle
 * Linux 7 and 8, SLES 12, Fedora before 33), read without Berkeley DB, from
 * the bytes in memory.
 *
 * `Packages` is a Berkeley DB "hash" database. rpm keys each header blob by
 * its instance number (hnum, 4 bytes in the file's byte order); key 0 holds
 * rpm's next free instance, not a package. What is read (Berkeley DB
 * 4.x–5.x, hash versions 8–10; the layouts are those of Berkeley DB's
 * `db_page.h`):
 * - page 0, the metadata: the magic number (which also gives the byte
 *   order), version, page size, last page, and whether pages carry a
 *   checksum (its room is skipped; it is not verified) or are encrypted
 *   (refused);
 * - every hash page (types 2 and 13): its index lists the offsets of key,
 *   value, key, value…; an item is stored on the page (H_KEYDATA) or, when
 *   large, on a chain of overflow pages (H_OFFPAGE: the first page and the
 *   total length), as header blobs usually are.
 *
 * Every offset, page number and length comes from the file and is checked
 * against it: one that points outside the page or the file, an overflow
 * chain that loops or runs short, a damaged page, is a problem reported for
 * that record or page, never a read out of bounds or an endless loop. Only
 * a file that is not a Berkeley DB hash database at all throws.
 *
 * @example
 *   if (isBerkeleyDb(bytes)) readBdbPackages('var/lib/rpm/Packages', bytes, limits, (row) => rows.push(row));
 */
import { concatBytes } from '../../archive/bytes.js';
import { StellaError } from '../../errors.js';
import type { StellaErrorCode } from '../../errors.js';
import type { PackageRow, ReadOutcome, RowLimits } from './package-rows.js';

/** Same choice as the SQLite reader: no dedicated "package database unreadable" code yet. */
const DB_INVALID: StellaErrorCode = 'IMAGE_INVALID';

const HASH_MAGIC = 0x061561;
const BTREE_MAGIC = 0x053162;
/** The metadata page is at least this long whatever the page size (HMETA ends at byte 512). */
const META_BYTES = 512;
/** Page header (PAGE): lsn 0–7, pgno 8–11, prev 12–15, next 16–19, entries 20–21, hf_offset 22–23, level 24, type 25. */
const PAGE_HEADER = 26;
/** What a checksummed database keeps after each page header: 2 bytes of alignment, a 4-byte checksum (PG_CHKSUM). */
const CHECKSUM_BYTES = 6;
const META_FLAG_CHECKSUM = 0x01;

const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;

const H_KEYDATA = 1;
const H_OFFPAGE = 3;
/** H_OFFPAGE item: type 0, unused 1–3, first overflow page 4–7, total length 8–11. */
const OFFPAGE_BYTES = 12;
const ITEM_KINDS: Record<number, string> = { 2: 'a duplicate set', 4: 'an off-page duplicate tree', 5: 'an external blob file' };

/** Where the pages are and how to read their numbers. */
interface Layout {
  view: DataView;
  little: boolean;
  pageSize: number;
  /** Pages present: page 0 up to the metadata's last page, or as far as the file goes. */
  pages: number;
  /** Pages the metadata says the file has (its last page number + 1). */
  declaredPages: number;
  /** Page header plus checksum room: where a page's index (or an overflow page's data) starts. */
  overhead: number;
}

/**
 * True when `contents` starts like a Berkeley DB database (hash or btree,
 * either byte order): the reader then says which it is and whether it reads it.
 *
 * @example
 *   isBerkeleyDb(readFileSync('var/lib/rpm/Packages')); // true on CentOS 7
 */
export function isBerkeleyDb(contents: Uint8Array): boolean {
  return contents.byteLength >= 16 && (magicOrder(contents, HASH_MAGIC) !== undefined || magicOrder(contents, BTREE_MAGIC) !== undefined);
}

/**
 * Visits the records of rpm's Berkeley DB `Packages`, in file order, at most
 * `maxRows`. Throws a StellaError when the file is not a Berkeley DB hash
 * database rpm could have written; a damaged record or page is a problem in
 * the outcome (or an invalid row), and the rest is still read.
 *
 * @example
 *   const outcome = readBdbPackages(path, bytes, { maxRows: 250_000, maxBlobBytes: RPM_HEADER_MAX_BYTES }, visit);
 */
export function readBdbPackages(path: string, contents: Uint8Array, limits: RowLimits, visit: (row: PackageRow) => void): ReadOutcome {
  const layout = readMetadata(path, contents);
  const problems: string[] = [];
  const seen = new Set<number>();
  let rows = 0;
  for (let pgno = 1; pgno < layout.pages; pgno++) {
    const page = pgno * layout.pageSize;
    const type = contents[page + 25];
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const items = pageItems(contents, layout, page);
    if (typeof items === 'string') {
      problems.push(`page ${pgno}: ${items}; its records are not read`);
      continue;
    }
    for (let i = 0; i + 1 < items.length; i += 2) {
      const key = items[i] as Item;
      const value = items[i + 1] as Item;
      const hnum = instanceNumber(contents, layout, key);
      if (typeof hnum === 'string') {
        problems.push(`page ${pgno}: ${hnum}; skipped`);
        continue;
      }
      if (hnum === 0) continue; // rpm's counter of instances
      if (seen.has(hnum)) {
        problems.push(`page ${pgno}: a second record for package instance ${hnum}; skipped`);
        continue;
      }
      seen.add(hnum);
      if (rows === limits.maxRows) return { rows, stopped: `more than ${limits.maxRows} records in Packages; the rest is not read`, problems };
      rows++;
      visit(valueRow(contents, layout, value, hnum, limits.maxBlobBytes));
    }
  }
  const { pages, declaredPages } = layout;
  const stopped = pages < declaredPages ? `the file ends at page ${pages} of ${declaredPages}; the rest is not read` : undefined;
  return { rows, ...(stopped === undefined ? {} : { stopped }), problems };
}

/** One item of a hash page: where it starts (its type byte) and ends. */
interface Item {
  start: number;
  end: number;
}

function readMetadata(path: string, contents: Uint8Array): Layout {
  const little = contents.byteLength >= 16 ? magicOrder(contents, HASH_MAGIC) : undefined;
  if (little === undefined) {
    const btree = contents.byteLength >= 16 && magicOrder(contents, BTREE_MAGIC) !== undefined;
    throw new StellaError(DB_INVALID, `${path}: ${btree ? 'a Berkeley DB btree, not the hash database rpm keeps packages in' : 'not a Berkeley DB database'}`);
  }
  const invalid = (why: string): StellaError => new StellaError(DB_INVALID, `${path}: not a readable Berkeley DB hash database (${why})`);
  if (contents.byteLength < META_BYTES) throw invalid(`${contents.byteLength} bytes, shorter than its metadata page`);
  const view = new DataView(contents.buffer, contents.byteOffset, contents.byteLength);
  const version = view.getUint32(16, little);
  if (version < 8 || version > 10) throw invalid(`hash version ${version}; versions 8 to 10 (Berkeley DB 4 and 5) are read`);
  const pageSize = view.getUint32(20, little);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw invalid(`page size ${pageSize}`);
  if (view.getUint8(24) !== 0) throw invalid('encrypted');
  if (view.getUint8(25) !== P_HASHMETA) throw invalid(`page 0 is of type ${view.getUint8(25)}, not hash metadata`);
  const overhead = PAGE_HEADER + ((view.getUint8(26) & META_FLAG_CHECKSUM) !== 0 ? CHECKSUM_BYTES : 0);
  const declaredPages = view.getUint32(32, little) + 1;
  const pages = Math.min(declaredPages, Math.floor(contents.byteLength / pageSize));
  return { view, little, pageSize, pages, declaredPages, overhead };
}

/** true: little-endian, false: big-endian, undefined: not this magic number at bytes 12–15. */
function magicOrder(contents: Uint8Array, magic: number): boolean | undefined {
  const view = new DataView(contents.buffer, contents.byteOffset, 16);
  if (view.getUint32(12, true) === magic) return true;
  if (view.getUint32(12, false) === magic) return false;
  return undefined;
}

/**
 * The items of the hash page at byte `page`, in index order, or what is
 * wrong with the page. Items are stored from the end of the page down; each
 * ends where the next one above it starts (or at the page end).
 */
function pageItems(contents: Uint8Array, layout: Layout, page: number): Item[] | string {
  const { view, little, pageSize, overhead } = layout;
  const entries = view.getUint16(page + 20, little);
  const indexEnd = overhead + entries * 2;
  if (entries % 2 !== 0) return `${entries} items, not key and value pairs`;
  if (indexEnd > pageSize) return `${entries} items do not fit in a page of ${pageSize} bytes`;
  const offsets: number[] = [];
  for (let i = 0; i < entries; i++) {
    const offset = view.getUint16(page + overhead + i * 2, little);
    if (offset < indexEnd || offset >= pageSize) return `item ${i} at offset ${offset}, outside the page's item space`;
    offsets.push(offset);
  }
  const ascending = [...new Set(offsets)].sort((a, b) => a - b);
  const endOf = new Map(ascending.map((offset, i) => [offset, ascending[i + 1] ?? pageSize]));
  return offsets.map((offset) => ({ start: page + offset, end: page + (endOf.get(offset) ?? pageSize) }));
}

/** The package instance a key names (4 bytes on the page), or why the key is not one. */
function instanceNumber(contents: Uint8Array, layout: Layout, key: Item): number | string {
  if (contents[key.start] !== H_KEYDATA) return `a key stored as item type ${contents[key.start] ?? '?'}, not an rpm instance number`;
  const length = key.end - key.start - 1;
  if (length !== 4) return `a ${length}-byte key, not an rpm instance number`;
  return layout.view.getUint32(key.start + 1, layout.little);
}

/** The header blob a value holds (on the page or on its overflow pages), or why it cannot be read. */
function valueRow(contents: Uint8Array, layout: Layout, value: Item, hnum: number, maxBytes: number): PackageRow {
  const invalid = (problem: string): PackageRow => ({ kind: 'invalid', hnum, problem });
  const type = contents[value.start] ?? 0;
  if (type === H_KEYDATA) {
    const length = value.end - value.start - 1;
    if (length > maxBytes) return invalid(`header blob of ${length} bytes is larger than rpm's header limit; not read`);
    return { kind: 'blob', hnum, blob: contents.subarray(value.start + 1, value.end) };
  }
  if (type !== H_OFFPAGE) return invalid(`value stored as ${ITEM_KINDS[type] ?? `item type ${type}`}, which rpm never writes`);
  if (value.end - value.start < OFFPAGE_BYTES) return invalid('off-page value reference cut short');
  const first = layout.view.getUint32(value.start + 4, layout.little);
  const length = layout.view.getUint32(value.start + 8, layout.little);
  if (length > maxBytes || length > contents.byteLength) return invalid(`header blob of ${length} bytes is larger than the database or rpm's header limit; not read`);
  const blob = readOverflow(contents, layout, first, length);
  return typeof blob === 'string' ? invalid(blob) : { kind: 'blob', hnum, blob };
}

/**
 * `length` bytes from the chain of overflow pages starting at `first`, or
 * what is wrong with the chain. The blob is allocated once the chain has
 * proved to hold them: a hostile length costs no memory.
 */
function readOverflow(contents: Uint8Array, layout: Layout, first: number, length: number): Uint8Array | string {
  const { view, little, pageSize, pages, overhead } = layout;
  const parts: Uint8Array[] = [];
  let filled = 0;
  const visited = new Set<number>();
  for (let pgno = first; filled < length; ) {
    if (pgno === 0) return `overflow chain ends after ${filled} of ${length} bytes`;
    if (pgno >= pages) return `overflow chain reaches page ${pgno}, outside the file, after ${filled} of ${length} bytes`;
    if (visited.has(pgno)) return `overflow chain from page ${first} loops back to page ${pgno}`;
    visited.add(pgno);
    const page = pgno * pageSize;
    if (contents[page + 25] !== P_OVERFLOW) return `page ${pgno} in an overflow chain is not an overflow page`;
    const onPage = view.getUint16(page + 22, little);
    if (onPage === 0 || overhead + onPage > pageSize) return `overflow page ${pgno} claims ${onPage} bytes`;
    const take = Math.min(onPage, length - filled);
    parts.push(contents.subarray(page + overhead, page + overhead + take));
    filled += take;
    pgno = view.getUint32(page + 16, little);
  }
  return concatBytes(parts, length);
}
