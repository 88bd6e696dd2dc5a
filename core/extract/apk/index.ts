/**
 * The `apk` extractor: installed Alpine (and Wolfi/Chainguard) packages from
 * apk's installed database, `lib/apk/db/installed` (`usr/lib/apk/db/installed`
 * on usr-merged Wolfi images, where `lib` is a symlink the tar never holds).
 *
 * The file is records separated by blank lines; each line is `X:value`, a
 * one-letter field and its value. We read `P` (name), `V` (version), `A`
 * (architecture) and `o` (origin, the source package); the many file lines
 * (`F`, `R`, `Z`, `a`, `M`) and the rest are ignored. There is no status
 * field: apk only writes packages that are installed.
 *
 * A malformed record (a line that is not `X:value`, a repeated P/V/A/o, no
 * name, no or invalid version) yields a warning and the rest of the file is
 * read. A non-empty file in which no record is even syntactically valid is
 * not an apk database: extraction throws, as apk itself refuses such a file.
 *
 * @example
 *   const { packages } = apkExtractor.extract({
 *     path: 'lib/apk/db/installed',
 *     contents: new TextEncoder().encode('P:libcrypto3\nV:3.1.4-r0\nA:x86_64\no:openssl\n'),
 *   });
 *   // [{ type: 'apk', name: 'libcrypto3', version: '3.1.4-r0', arch: 'x86_64', sourceName: 'openssl', … }]
 */
import { capWarnings } from '../warnings.js';
import { StellaError } from '../../errors.js';
import type { StellaErrorCode } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';

const DB_PATHS: ReadonlySet<string> = new Set(['lib/apk/db/installed', 'usr/lib/apk/db/installed']);

/**
 * Real installed databases are a few MiB (file lists included); 64 MiB leaves
 * room while refusing decompression-bomb sized ones.
 *
 * @example
 *   if (bytes.byteLength > APK_MAX_FILE_SIZE) skipWithWarning();
 */
export const APK_MAX_FILE_SIZE = 64 * 1024 * 1024;


/**
 * No dedicated "package database unreadable" code exists yet; the dpkg
 * extractor uses IMAGE_INVALID for the same situation, so we do too.
 */
const DB_INVALID: StellaErrorCode = 'IMAGE_INVALID';

/** Fields whose repetition would make the package ambiguous; file fields (R, Z, …) repeat by design. */
const SINGLE_FIELDS: ReadonlySet<string> = new Set(['P', 'V', 'A', 'o']);

/**
 * apk versions are digits, dots, a letter, `_suffix` parts and `-rN`; the
 * check is a character class rather than apk's grammar so an unusual but
 * real version is still reported, while junk is not.
 */
const APK_VERSION = /^[A-Za-z0-9][A-Za-z0-9._+~-]*$/;

/** Whitespace or control characters cannot be part of a package name. */
const BAD_NAME = /[\s\u0000-\u001f\u007f]/;

/**
 * True for the files the apk extractor reads.
 *
 * @example
 *   isApkDatabase('lib/apk/db/installed');     // true
 *   isApkDatabase('usr/lib/apk/db/installed'); // true
 *   isApkDatabase('lib/apk/db/scripts.tar');   // false
 */
export function isApkDatabase(path: string): boolean {
  return DB_PATHS.has(path);
}

/**
 * The apk extractor; see the module comment for the format and what is skipped.
 *
 * @example
 *   apkExtractor.fileRequired('lib/apk/db/installed'); // true
 *   apkExtractor.extract({ path: 'lib/apk/db/installed', contents }).packages;
 */
export const apkExtractor: Extractor = {
  name: 'apk',
  maxFileSize: APK_MAX_FILE_SIZE,
  fileRequired: isApkDatabase,
  extract: extractApk,
};

interface ApkRecord {
  /** 1-based line of the record's first line, for warnings a person can find. */
  line: number;
  /** The single-valued fields we read, by letter. */
  fields: Map<string, string>;
  /** Set when the record is syntactically broken; its fields are then not trusted. */
  problem?: string;
}

function extractApk({ path, contents }: ExtractInput): ExtractResult {
  const records = splitRecords(new TextDecoder().decode(contents));
  if (records.length > 0 && records.every((r) => r.problem !== undefined)) {
    const first = records[0]?.problem ?? 'no record';
    throw new StellaError(DB_INVALID, `${path}: not an apk installed database (no valid record; ${first})`);
  }
  const packages: ExtractedPackage[] = [];
  const warnings: string[] = [];
  for (const record of records) {
    const outcome = toPackage(record, path);
    const message = outcome.kind === 'package' ? outcome.warning : outcome.message;
    if (outcome.kind === 'package') packages.push(outcome.pkg);
    // A syntax problem already names its own line.
    if (message !== undefined) warnings.push(`${path}: ${record.problem === undefined ? `record at line ${record.line}: ` : ''}${message}`);
  }
  return warnings.length === 0 ? { packages } : { packages, warnings: capWarnings(path, warnings) };
}

function splitRecords(text: string): ApkRecord[] {
  const records: ApkRecord[] = [];
  let current: ApkRecord | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') {
      if (current !== undefined) records.push(current);
      current = undefined;
      continue;
    }
    current ??= { line: i + 1, fields: new Map() };
    if (current.problem !== undefined) continue;
    const problem = addLine(current, line);
    if (problem !== undefined) current.problem = `line ${i + 1}: ${problem}`;
  }
  if (current !== undefined) records.push(current);
  return records;
}

/** Adds one line to the record; returns why the line is not `X:value`, if it is not. */
function addLine(record: ApkRecord, line: string): string | undefined {
  const letter = line[0] ?? '';
  if (line[1] !== ':' || !/^[A-Za-z]$/.test(letter)) return 'expected "X:value" with a one-letter field';
  if (!SINGLE_FIELDS.has(letter)) return undefined;
  // apk writes each of these once; silently picking one would hide a corrupt database.
  if (record.fields.has(letter)) return `duplicate field "${letter}"`;
  record.fields.set(letter, line.slice(2).trim());
  return undefined;
}

type Outcome = { kind: 'package'; pkg: ExtractedPackage; warning?: string } | { kind: 'warning'; message: string };

function toPackage(record: ApkRecord, path: string): Outcome {
  if (record.problem !== undefined) return { kind: 'warning', message: `${record.problem}; record skipped` };
  const name = record.fields.get('P') ?? '';
  if (name === '' || BAD_NAME.test(name)) return { kind: 'warning', message: 'no valid P (name) field; skipped' };
  const version = record.fields.get('V') ?? '';
  if (version === '') return { kind: 'warning', message: `${name}: no V (version) field; skipped` };
  if (!APK_VERSION.test(version)) return { kind: 'warning', message: `${name}: invalid version ${quote(version)}; skipped` };

  const pkg: ExtractedPackage = { type: 'apk', name, version, sourceFile: path, evidence: 'package-db' };
  // A garbled architecture or origin loses only that detail; the package itself is still installed.
  const problems: string[] = [];
  const arch = record.fields.get('A');
  if (arch !== undefined && arch !== '') {
    if (BAD_NAME.test(arch)) problems.push(`unreadable architecture ${quote(arch)}`);
    else pkg.arch = arch;
  }
  const origin = record.fields.get('o');
  if (origin !== undefined && origin !== '' && origin !== name) {
    if (BAD_NAME.test(origin)) problems.push(`unreadable origin ${quote(origin)}; source package unknown`);
    // Subpackages share their origin's version, so only the name can differ.
    else pkg.sourceName = origin;
  }
  return problems.length === 0 ? { kind: 'package', pkg } : { kind: 'package', pkg, warning: `${name}: ${problems.join('; ')}` };
}

/** A value for a warning: escaped, so it stays on one line, and cut short, since a hostile line may be megabytes. */
function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}

