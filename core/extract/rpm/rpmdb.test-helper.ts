/**
 * Test inputs for the rpm extractor: header blobs written from a list of
 * tags, and rpmdb.sqlite files with rpm's own `Packages` schema made with
 * sql.js. The real-database tests use rpm itself; these cover what rpm
 * cannot be made to write (hostile blobs, thousands of packages quickly).
 *
 * @example
 *   const blob = encodeRpmHeader([stringTag(RPMTAG.NAME, 'a'), stringTag(RPMTAG.VERSION, '1'), stringTag(RPMTAG.RELEASE, '1')]);
 *   const db = await buildRpmdb([blob]);
 */
import type { Database } from 'sql.js';
import { RPMTAG } from './header.js';
import { defaultSqlJsLoader } from './sqlite.js';

/** One index entry and its data, already encoded. */
export interface HeaderTag {
  tag: number;
  type: number;
  count: number;
  data: Uint8Array;
  /** Alignment rpm gives this type in the data store. */
  align: number;
}

const encoder = new TextEncoder();

/** A STRING (type 6) tag. */
export function stringTag(tag: number, value: string): HeaderTag {
  return { tag, type: 6, count: 1, data: encoder.encode(`${value}\u0000`), align: 1 };
}

/** An INT32 (type 4) tag with one value. */
export function int32Tag(tag: number, value: number): HeaderTag {
  const data = new Uint8Array(4);
  new DataView(data.buffer).setUint32(0, value);
  return { tag, type: 4, count: 1, data, align: 4 };
}

/** A header blob as rpm stores it in rpmdb.sqlite: il, dl, index entries, data store. */
export function encodeRpmHeader(tags: readonly HeaderTag[]): Uint8Array {
  const offsets: number[] = [];
  let length = 0;
  for (const t of tags) {
    length += (t.align - (length % t.align)) % t.align;
    offsets.push(length);
    length += t.data.byteLength;
  }
  const blob = new Uint8Array(8 + tags.length * 16 + length);
  const view = new DataView(blob.buffer);
  view.setUint32(0, tags.length);
  view.setUint32(4, length);
  const dataStart = 8 + tags.length * 16;
  tags.forEach((t, i) => {
    const at = 8 + i * 16;
    view.setUint32(at, t.tag);
    view.setUint32(at + 4, t.type);
    view.setUint32(at + 8, offsets[i] ?? 0);
    view.setUint32(at + 12, t.count);
    blob.set(t.data, dataStart + (offsets[i] ?? 0));
  });
  return blob;
}

/** The tags of a typical binary package header. */
export function packageHeader(pkg: { name: string; version: string; release: string; epoch?: number; arch?: string; sourceRpm?: string }): Uint8Array {
  const tags = [stringTag(RPMTAG.NAME, pkg.name), stringTag(RPMTAG.VERSION, pkg.version), stringTag(RPMTAG.RELEASE, pkg.release)];
  if (pkg.epoch !== undefined) tags.push(int32Tag(RPMTAG.EPOCH, pkg.epoch));
  if (pkg.arch !== undefined) tags.push(stringTag(RPMTAG.ARCH, pkg.arch));
  if (pkg.sourceRpm !== undefined) tags.push(stringTag(RPMTAG.SOURCERPM, pkg.sourceRpm));
  return encodeRpmHeader(tags);
}

/** rpm 4.18's schema for the table we read (the index tables do not matter to the extractor). */
const PACKAGES_SCHEMA = `CREATE TABLE IF NOT EXISTS 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)`;

/** An rpmdb.sqlite holding `blobs` in order (hnum 1, 2, …). */
export async function buildRpmdb(blobs: readonly Uint8Array[]): Promise<Uint8Array> {
  return withDatabase(undefined, (db) => {
    db.run(PACKAGES_SCHEMA);
    db.run('BEGIN');
    const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
    for (const blob of blobs) insert.run([blob]);
    insert.free();
    db.run('COMMIT');
  });
}

/** Opens a copy of `bytes` (or an empty database), lets `change` edit it, and returns the new file. */
export async function withDatabase(bytes: Uint8Array | undefined, change: (db: Database) => void): Promise<Uint8Array> {
  const { Database } = await defaultSqlJsLoader();
  // A copy: sql.js writes through to a Node Buffer it is handed (its file system keeps a view, not a copy).
  const db = new Database(bytes === undefined ? undefined : new Uint8Array(bytes));
  try {
    change(db);
    return db.export();
  } finally {
    db.close();
  }
}

/** The contract suite's large valid input: `count` packages, one in ten with an epoch, one in five from another source. */
export async function bigRpmdb(count: number): Promise<{ contents: Uint8Array; count: number }> {
  const blobs = Array.from({ length: count }, (_, i) =>
    packageHeader({
      name: `pkg${i}`,
      version: `${i}.0`,
      release: '1.el9',
      arch: 'x86_64',
      ...(i % 10 === 0 ? { epoch: 1 } : {}),
      sourceRpm: `${i % 5 === 0 ? `src${i}` : `pkg${i}`}-${i}.0-1.el9.src.rpm`,
    }),
  );
  return { contents: await buildRpmdb(blobs), count };
}
