/**
 * The `rpm` extractor: installed packages from rpm's database, in either
 * of the formats it has kept it in:
 * - SQLite, `rpmdb.sqlite` (rpm 4.16 and later: current Fedora, RHEL 9+,
 *   AlmaLinux, Rocky, CentOS Stream, Amazon Linux 2023), read with sql.js
 *   (see `sqlite.ts`);
 * - Berkeley DB, `Packages` (RHEL and CentOS 7 and 8, Amazon Linux 2,
 *   Oracle Linux 7 and 8, SLES 12, older Fedora), read by `bdb.ts`.
 * Each under `var/lib/rpm/` or `usr/lib/sysimage/rpm/` (where Fedora keeps
 * it and `var/lib/rpm` is only a symlink); where a folder holds both, the
 * SQLite one is used (`rpmDatabaseShadowedBy`). SUSE's ndb (`Packages.db`)
 * is not read.
 *
 * Each record of `Packages` holds one rpm header; we read NAME, EPOCH,
 * VERSION, RELEASE, ARCH and SOURCERPM from it ourselves (see `header.ts`).
 * `gpg-pubkey` records are the keys rpm trusts, stored as fake packages, and
 * are skipped. A header that cannot be read is a warning; the other packages
 * are still reported. A file that is neither database throws.
 *
 * The SQLite engine (sql.js) is loaded on the first SQLite database found,
 * which is asynchronous: `extract` returns a Promise.
 *
 * @example
 *   const { packages } = await rpmExtractor.extract({ path: 'var/lib/rpm/rpmdb.sqlite', contents });
 *   // [{ type: 'rpm', name: 'openssl-libs', version: '1:3.0.7-27.el9', arch: 'x86_64', sourceName: 'openssl', … }]
 */
import { capWarnings } from '../warnings.js';
import { StellaError, describeError } from '../../errors.js';
import type { StellaErrorCode } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { RPM_HEADER_MAX_BYTES, readRpmHeader } from './header.js';
import type { RpmHeader } from './header.js';
import { isBerkeleyDb, readBdbPackages } from './bdb.js';
import type { PackageRow, ReadOutcome } from './package-rows.js';
import { copyForSqlJs, defaultSqlJsLoader, hasSqliteMagic, readPackageBlobs } from './sqlite.js';
import type { SqlJsLoader } from './sqlite.js';

const DB_PATHS: ReadonlySet<string> = new Set(
  ['var/lib/rpm', 'usr/lib/sysimage/rpm'].flatMap((folder) => [`${folder}/rpmdb.sqlite`, `${folder}/Packages`]),
);

/**
 * A container's rpm database is 5–30 MiB and a full workstation's a few
 * hundred; both readers hold the whole file in memory (sql.js copies it
 * once), so the limit is what one scan can afford, not what rpm allows.
 *
 * @example
 *   if (bytes.byteLength > RPM_MAX_FILE_SIZE) skipWithWarning();
 */
export const RPM_MAX_FILE_SIZE = 256 * 1024 * 1024;

/** Far above any real system (Fedora's whole repository is ~75,000 packages), low enough to bound a hostile table. */
const MAX_ROWS = 250_000;


/** Same choice as the dpkg and apk extractors: no dedicated "package database unreadable" code yet. */
const DB_INVALID: StellaErrorCode = 'IMAGE_INVALID';

/** rpm's own NEVRA fields never hold whitespace or control characters; `-` would make `version-release` ambiguous. */
const BAD_NAME = /[\s\u0000-\u001f\u007f]/;
const BAD_VERSION = /[\s\u0000-\u001f\u007f:-]/;

/**
 * True for the files the rpm extractor reads.
 *
 * @example
 *   isRpmDatabase('var/lib/rpm/rpmdb.sqlite');           // true
 *   isRpmDatabase('usr/lib/sysimage/rpm/rpmdb.sqlite');  // true
 *   isRpmDatabase('var/lib/rpm/Packages');               // true (Berkeley DB)
 *   isRpmDatabase('usr/lib/sysimage/rpm/Packages.db');   // false (SUSE's ndb, not read)
 */
export function isRpmDatabase(path: string): boolean {
  return DB_PATHS.has(path);
}

/**
 * The database that takes precedence over the one at `path` when both are
 * in the target: with a `Packages` and an `rpmdb.sqlite` in one folder, rpm
 * reads the SQLite one (its backend detection tries SQLite first, and rpm
 * 4.16 and later write it). This extractor sees one file at a time, so the
 * caller drops the packages of `path` when that file yielded any.
 * Undefined when nothing can shadow `path`.
 *
 * @example
 *   rpmDatabaseShadowedBy('var/lib/rpm/Packages');     // 'var/lib/rpm/rpmdb.sqlite'
 *   rpmDatabaseShadowedBy('var/lib/rpm/rpmdb.sqlite'); // undefined
 */
export function rpmDatabaseShadowedBy(path: string): string | undefined {
  if (!isRpmDatabase(path) || !path.endsWith('/Packages')) return undefined;
  return `${path.slice(0, -'Packages'.length)}rpmdb.sqlite`;
}

/**
 * The source package name and `version-release` from a source rpm file
 * name, or undefined when it is not `name-version-release.src.rpm`
 * (`.nosrc.rpm` too).
 *
 * @example
 *   parseSourceRpm('openssl-3.0.7-27.el9.src.rpm'); // { name: 'openssl', version: '3.0.7-27.el9' }
 *   parseSourceRpm('(none)');                       // undefined
 */
export function parseSourceRpm(file: string): { name: string; version: string } | undefined {
  const stem = /^(.+)\.(?:no)?src\.rpm$/.exec(file)?.[1];
  if (stem === undefined || BAD_NAME.test(stem)) return undefined;
  const releaseDash = stem.lastIndexOf('-');
  const versionDash = releaseDash > 0 ? stem.lastIndexOf('-', releaseDash - 1) : -1;
  if (versionDash <= 0 || releaseDash - versionDash < 2 || releaseDash === stem.length - 1) return undefined;
  return { name: stem.slice(0, versionDash), version: stem.slice(versionDash + 1) };
}

/**
 * An extractor whose `extract` is asynchronous (sql.js loads asynchronously).
 * Written without `Extractor`'s result type so it compiles against today's
 * synchronous interface; it is the same as `Extractor<Promise<ExtractResult>>`
 * once `Extractor` takes its result type as a parameter.
 *
 * @example
 *   const extractor: RpmExtractor = createRpmExtractor();
 *   const result: ExtractResult = await extractor.extract({ path, contents });
 */
export type RpmExtractor = Omit<Extractor, 'extract'> & { extract(input: ExtractInput): Promise<ExtractResult> };

/**
 * Options of `createRpmExtractor`.
 *
 * @example
 *   const options: RpmExtractorOptions = { loadSqlJs: sqlJsLoader({ wasmBinary }) };
 */
export interface RpmExtractorOptions {
  /** How sql.js is loaded; defaults to importing the `sql.js` package on first use. */
  loadSqlJs?: SqlJsLoader;
}

/**
 * An rpm extractor that loads sql.js with `options.loadSqlJs`: the agent
 * can use the default, a Worker passes a loader that instantiates the wasm
 * module its bundler imported.
 *
 * @example
 *   const extractor = createRpmExtractor({ loadSqlJs: sqlJsLoader({ instantiateWasm }) });
 *   const { packages, warnings } = await extractor.extract({ path, contents });
 */
export function createRpmExtractor(options: RpmExtractorOptions = {}): RpmExtractor {
  const loadSqlJs = options.loadSqlJs ?? defaultSqlJsLoader;
  return {
    name: 'rpm',
    maxFileSize: RPM_MAX_FILE_SIZE,
    fileRequired: isRpmDatabase,
    extract: (input) => extractRpm(input, loadSqlJs),
  };
}

/**
 * The rpm extractor with sql.js loaded from the `sql.js` package, as under Node.
 *
 * @example
 *   rpmExtractor.fileRequired('var/lib/rpm/rpmdb.sqlite'); // true
 *   (await rpmExtractor.extract({ path: 'var/lib/rpm/rpmdb.sqlite', contents })).packages;
 */
export const rpmExtractor: RpmExtractor = createRpmExtractor();

async function extractRpm({ path, contents }: ExtractInput, loadSqlJs: SqlJsLoader): Promise<ExtractResult> {
  const packages: ExtractedPackage[] = [];
  const warnings: string[] = [];
  const visit = (row: PackageRow): void => {
    const result = toPackage(row, path);
    if (result.pkg !== undefined) packages.push(result.pkg);
    for (const problem of result.problems) warnings.push(`${path}: Packages record ${row.hnum}: ${problem}`);
  };
  const limits = { maxRows: MAX_ROWS, maxBlobBytes: RPM_HEADER_MAX_BYTES };
  let outcome: ReadOutcome;
  if (hasSqliteMagic(contents)) {
    // Copied before the first await: the caller may reuse `contents` once extract has returned.
    const file = copyForSqlJs(contents);
    const engine = await loadSqlJs().catch((error: unknown) => {
      throw new StellaError('INTERNAL', `${path}: the SQLite engine (sql.js) could not be loaded: ${describeError(error)}`, { cause: error });
    });
    outcome = readPackageBlobs(engine, path, file, limits, visit);
  } else if (isBerkeleyDb(contents)) {
    outcome = readBdbPackages(path, contents, limits, visit);
  } else {
    throw new StellaError(DB_INVALID, `${path}: not an rpm database (neither SQLite nor Berkeley DB hash; SUSE's ndb is not read)`);
  }
  for (const problem of outcome.problems ?? []) warnings.push(`${path}: ${problem}`);
  if (outcome.stopped !== undefined) warnings.push(`${path}: ${outcome.stopped}`);
  return warnings.length === 0 ? { packages } : { packages, warnings: capWarnings(path, warnings) };
}

function toPackage(row: PackageRow, path: string): { pkg?: ExtractedPackage; problems: string[] } {
  if (row.kind === 'invalid') return { problems: [`${row.problem}; skipped`] };
  const read = readRpmHeader(row.blob);
  if (read.kind === 'invalid') return { problems: [`${read.problem}; skipped`] };
  const { header } = read;
  const problems = read.problems.map((p) => `${header.name}: ${p}`);
  // The keys rpm trusts are stored as packages named gpg-pubkey; they are not software.
  if (header.name === 'gpg-pubkey') return { problems };
  const invalid = invalidField(header);
  if (invalid !== undefined) return { problems: [`${invalid}; skipped`] };

  const pkg: ExtractedPackage = { type: 'rpm', name: header.name, version: versionOf(header), sourceFile: path, evidence: 'package-db' };
  if (header.arch !== undefined && header.arch !== '') {
    if (BAD_NAME.test(header.arch)) problems.push(`${header.name}: unreadable ARCH ${quote(header.arch)}`);
    else pkg.arch = header.arch;
  }
  if (header.sourceRpm !== undefined) {
    const source = parseSourceRpm(header.sourceRpm);
    if (source === undefined) problems.push(`${header.name}: unreadable SOURCERPM ${quote(header.sourceRpm)}; source package unknown`);
    else addSource(pkg, source, `${header.version}-${header.release}`);
  }
  return { pkg, problems };
}

/** `[epoch:]version-release`: the epoch is written whenever the header has one, 0 included, as rpm's %{EPOCH} shows it. */
function versionOf(header: RpmHeader): string {
  const evr = `${header.version}-${header.release}`;
  return header.epoch === undefined ? evr : `${header.epoch}:${evr}`;
}

/** The source package, only where it differs from the binary (the model's rule for every OS package type). */
function addSource(pkg: ExtractedPackage, source: { name: string; version: string }, binaryVersionRelease: string): void {
  if (source.name !== pkg.name) pkg.sourceName = source.name;
  // A source rpm file name carries no epoch, so it is compared with the binary's version-release.
  if (source.version !== binaryVersionRelease) pkg.sourceVersion = source.version;
}

function invalidField(header: RpmHeader): string | undefined {
  if (header.name === '' || BAD_NAME.test(header.name)) return `invalid NAME ${quote(header.name)}`;
  if (header.version === '' || BAD_VERSION.test(header.version)) return `${header.name}: invalid VERSION ${quote(header.version)}`;
  if (header.release === '' || BAD_VERSION.test(header.release)) return `${header.name}: invalid RELEASE ${quote(header.release)}`;
  return undefined;
}

/** A value for a warning: escaped, so it stays on one line, and cut short, since a hostile header may hold megabytes. */
function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}

