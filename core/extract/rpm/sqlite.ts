/**
 * The SQLite side of the rpm extractor: loading sql.js (SQLite compiled to
 * wasm) only when an rpmdb.sqlite is actually found, and reading the
 * `Packages` table's header blobs out of a database held in memory.
 *
 * sql.js is loaded with a dynamic `import()`, so a scan without an rpm
 * database never parses or compiles it. Under Node the package finds its
 * own `sql-wasm.wasm`; in a Cloudflare Worker the default fails (sql.js
 * looks for `self.location` and would fetch its wasm), so the edge passes a
 * loader whose `instantiateWasm` uses the `WebAssembly.Module` its bundler
 * imported (see `sqlJsLoader`).
 *
 * @example
 *   const engine = await defaultSqlJsLoader();
 *   const outcome = readPackageBlobs(engine, 'var/lib/rpm/rpmdb.sqlite', copyForSqlJs(bytes), limits, (row) => { … });
 */
import type { Database, SqlJsConfig, SqlJsStatic, Statement } from 'sql.js';
import { StellaError, describeError, isStellaError } from '../../errors.js';
import type { StellaErrorCode } from '../../errors.js';
import type { PackageRow, ReadOutcome, RowLimits } from './package-rows.js';

/**
 * Resolves to an initialised sql.js. Called at most once per extraction and
 * expected to cache its result.
 *
 * @example
 *   const loader: SqlJsLoader = sqlJsLoader();
 *   const { Database } = await loader();
 */
export type SqlJsLoader = () => Promise<SqlJsStatic>;

/**
 * A loader that imports and initialises sql.js on first use and then hands
 * out the same instance. `config` is sql.js's (Emscripten's) module config:
 * `wasmBinary` (bytes), `locateFile`, or `instantiateWasm` for runtimes that
 * only run precompiled modules. sql.js keeps its first initialisation for
 * the whole process or isolate, failed or not: the first loader called
 * decides, so give every loader the same config.
 *
 * @example
 *   // Cloudflare Worker (checked in workerd): wrangler turns a .wasm import
 *   // into a WebAssembly.Module, and sql.js reads self.location.href, which
 *   // workerd does not define, when it sees a worker global scope.
 *   import sqlWasm from 'sql.js/dist/sql-wasm-browser.wasm';
 *   const configured = sqlJsLoader({
 *     instantiateWasm: (imports, done) => {
 *       void WebAssembly.instantiate(sqlWasm, imports).then(done);
 *       return undefined;
 *     },
 *   });
 *   const loadSqlJs: SqlJsLoader = () => {
 *     (globalThis as { location?: unknown }).location ??= new URL('https://edge.invalid/');
 *     return configured();
 *   };
 */
export function sqlJsLoader(config?: SqlJsConfig): SqlJsLoader {
  let engine: Promise<SqlJsStatic> | undefined;
  return () => (engine ??= import('sql.js').then((module) => module.default(config)));
}

/**
 * sql.js with its default way of finding the wasm (next to the package, under
 * Node), loaded on first use.
 *
 * @example
 *   const { Database } = await defaultSqlJsLoader();
 */
export const defaultSqlJsLoader: SqlJsLoader = sqlJsLoader();

/** Same choice as the dpkg and apk extractors: no dedicated "package database unreadable" code yet. */
const DB_INVALID: StellaErrorCode = 'IMAGE_INVALID';

/** The first 16 bytes of every SQLite 3 database file. */
const SQLITE_MAGIC = 'SQLite format 3\u0000';

/**
 * True when `contents` starts like an SQLite 3 database. Checked before
 * sql.js is loaded, so junk never costs the wasm start-up.
 *
 * @example
 *   hasSqliteMagic(new TextEncoder().encode('SQLite format 3\0…')); // true
 */
export function hasSqliteMagic(contents: Uint8Array): boolean {
  if (contents.byteLength < SQLITE_MAGIC.length) return false;
  for (let i = 0; i < SQLITE_MAGIC.length; i++) if (contents[i] !== SQLITE_MAGIC.charCodeAt(i)) return false;
  return true;
}

/**
 * An rpmdb.sqlite prepared for sql.js by `copyForSqlJs`: a copy of the
 * file that no caller holds.
 */
export interface SqliteFile {
  readonly bytes: Uint8Array;
}

/**
 * Copies the file for sql.js. Call it before the first `await`: the caller
 * may reuse its buffer as soon as `extract` has returned its Promise (the
 * tar reader hands out views into a buffer it refills). The copy is also
 * what sql.js needs: its in-memory file system keeps a view of the array it
 * is handed when that array's `slice` does not copy (a Node Buffer), and
 * SQLite may write to its file. In the copy, WAL mode (header bytes 18-19 =
 * 2, as rpm writes it) becomes rollback mode: we never have the -wal file
 * (rpm checkpoints it into the database on close), and in WAL mode SQLite
 * would create -wal and -shm files in sql.js's file system for nothing.
 *
 * @example
 *   const file = copyForSqlJs(contents); // synchronously, before awaiting anything
 *   const engine = await loader();
 *   readPackageBlobs(engine, path, file, limits, visit);
 */
export function copyForSqlJs(contents: Uint8Array): SqliteFile {
  const bytes = new Uint8Array(contents);
  if (bytes[18] === 2) bytes[18] = 1;
  if (bytes[19] === 2) bytes[19] = 1;
  return { bytes };
}

/**
 * Streams the `Packages` rows of an rpmdb.sqlite to `visit`, in hnum order,
 * at most `maxRows` of them. Throws a StellaError when the file is not a
 * readable rpm database at all; a database that breaks part-way returns
 * `stopped` with the rows read so far already visited.
 *
 * Blobs longer than `maxBlobBytes` (or than the file: only a looping
 * overflow chain can claim that) are reported as invalid without being
 * read, so a hostile length never turns into an allocation.
 *
 * @example
 *   readPackageBlobs(engine, path, copyForSqlJs(bytes), { maxRows: 1000, maxBlobBytes: 1 << 20 }, (row) => rows.push(row));
 */
export function readPackageBlobs(
  engine: SqlJsStatic,
  path: string,
  file: SqliteFile,
  limits: RowLimits,
  visit: (row: PackageRow) => void,
): ReadOutcome {
  let db: Database | undefined;
  let statement: Statement | undefined;
  try {
    db = new engine.Database(file.bytes);
    checkSchema(db, path);
    // hnum order is rpm's install order; it is the rowid in rpm's schema, so the ORDER BY costs nothing there.
    statement = db.prepare(
      `SELECT hnum, typeof(blob), length(blob), CASE WHEN typeof(blob) = 'blob' AND length(blob) <= $max THEN blob END FROM Packages ORDER BY hnum`,
      { $max: Math.min(limits.maxBlobBytes, file.bytes.byteLength) },
    );
  } catch (error) {
    statement?.free();
    db?.close();
    if (isStellaError(error)) throw error;
    throw new StellaError(DB_INVALID, `${path}: not a readable rpm database (${describeError(error)})`, { cause: error });
  }
  try {
    return visitRows(statement, limits, visit);
  } finally {
    statement.free();
    db.close();
  }
}

function visitRows(statement: Statement, limits: { maxRows: number }, visit: (row: PackageRow) => void): ReadOutcome {
  let rows = 0;
  for (;;) {
    let values: ReturnType<Statement['get']>;
    try {
      if (!statement.step()) return { rows };
      values = statement.get();
    } catch (error) {
      return { rows, stopped: `database unreadable after ${rows} rows (${describeError(error)}); the rest is not read` };
    }
    if (rows === limits.maxRows) return { rows, stopped: `more than ${limits.maxRows} rows in Packages; the rest is not read` };
    rows++;
    visit(toRow(values));
  }
}

function toRow([hnum, type, length, blob]: ReturnType<Statement['get']>): PackageRow {
  const id = typeof hnum === 'number' ? hnum : -1;
  if (blob instanceof Uint8Array) return { kind: 'blob', hnum: id, blob };
  if (type !== 'blob') return { kind: 'invalid', hnum: id, problem: `blob column holds ${String(type)}, not an rpm header` };
  return { kind: 'invalid', hnum: id, problem: `header blob of ${String(length)} bytes is larger than the database or rpm's header limit; not read` };
}

/**
 * Refuses anything but a plain table with plain `hnum` and `blob` columns:
 * a view, virtual table or generated column would run code chosen by
 * whoever wrote the file (an endless recursive view, a huge zeroblob per
 * row) instead of reading stored bytes.
 */
function checkSchema(db: Database, path: string): void {
  const [master] = db.exec(`SELECT type, sql FROM sqlite_master WHERE name = 'Packages' COLLATE NOCASE`);
  const [type, sql] = master?.values[0] ?? [];
  if (type === undefined) throw new StellaError(DB_INVALID, `${path}: not an rpm database (no Packages table)`);
  if (type !== 'table' || typeof sql !== 'string' || !/^\s*CREATE\s+TABLE\b/i.test(sql)) {
    const kind = type === 'table' ? 'virtual table' : String(type);
    throw new StellaError(DB_INVALID, `${path}: not an rpm database (Packages is a ${kind}, not a plain table)`);
  }
  const [info] = db.exec(`PRAGMA table_xinfo('Packages')`);
  const columns = new Map((info?.values ?? []).map((row) => [String(row[1]).toLowerCase(), row[6]]));
  for (const column of ['hnum', 'blob']) {
    const hidden = columns.get(column);
    if (hidden === undefined) throw new StellaError(DB_INVALID, `${path}: not an rpm database (Packages has no ${column} column)`);
    if (hidden !== 0) throw new StellaError(DB_INVALID, `${path}: not an rpm database (Packages.${column} is a generated or hidden column)`);
  }
}
