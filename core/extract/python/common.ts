/**
 * What the Python extractors share: where project files may sit, reading
 * text and TOML (the parser loaded on first use, see ../parsers.ts),
 * collecting packages once per name and version, and capping warnings.
 *
 * @example
 *   if (!isProjectFile(path)) return false;
 *   const doc = await parseToml(path, contents); // rejects with JSON_INVALID naming `path`
 */
import { StellaError, describeError } from '../../errors.js';
import type { StellaErrorCode } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import { loadToml } from '../parsers.js';

/**
 * errors.ts has no lockfile code; JSON_INVALID is the "structured document
 * cannot be read" code the npm extractors use, and TOML and these text
 * formats carry the same kind of data.
 *
 * @example
 *   throw new StellaError(DOCUMENT_INVALID, `${path}: not valid TOML (…)`);
 */
export const DOCUMENT_INVALID: StellaErrorCode = 'JSON_INVALID';

const MAX_WARNINGS = 20;
/** Parser messages quote the input; a line of it is enough to act on. */
const MAX_CAUSE_LENGTH = 200;

/** Folders whose contents are installed packages: files there were shipped by a package's author, not locked by the project. */
const INSTALLED_TREES = ['node_modules', 'site-packages', 'dist-packages'];

type Mapping = Record<string, unknown>;

/**
 * True when `path` is outside node_modules, site-packages and dist-packages:
 * a project file there belongs to an installed package, not to the target.
 *
 * @example
 *   isProjectFile('app/poetry.lock');                                   // true
 *   isProjectFile('usr/lib/python3/dist-packages/x/requirements.txt');  // false
 */
export function isProjectFile(path: string): boolean {
  return INSTALLED_TREES.every((tree) => !path.startsWith(`${tree}/`) && !path.includes(`/${tree}/`));
}

/**
 * UTF-8 text of a file that must be text; NUL bytes mean binary data, which
 * no line-by-line reading would make sense of. A BOM is dropped by the decoder.
 *
 * @example
 *   decodeText('requirements.txt', bytes, 'a requirements file');
 */
export function decodeText(path: string, contents: Uint8Array, what: string): string {
  if (contents.includes(0)) throw new StellaError(DOCUMENT_INVALID, `${path}: binary data (NUL bytes), not ${what}`);
  return new TextDecoder().decode(contents);
}

/**
 * Parses TOML; a file that is not TOML rejects with a StellaError naming
 * `path`. `contents` is decoded before the parser is awaited, so the caller
 * may reuse it as soon as this returns.
 *
 * @example
 *   await parseToml('poetry.lock', new TextEncoder().encode('[[package]]\nname = "a"\n'));
 *   // { package: [{ name: 'a' }] }
 */
export async function parseToml(path: string, contents: Uint8Array): Promise<Mapping> {
  const text = decodeText(path, contents, 'a TOML file');
  const { parse } = await loadToml(path);
  try {
    return parse(text) as Mapping;
  } catch (error) {
    throw new StellaError(DOCUMENT_INVALID, `${path}: not valid TOML (${shortCause(error)})`, { cause: error });
  }
}

/**
 * A parser's complaint, one line and short.
 *
 * @example
 *   shortCause(new Error('Invalid TOML document: …\n1: [[[[')); // 'Invalid TOML document: …'
 */
export function shortCause(error: unknown): string {
  const line = describeError(error);
  return line.length > MAX_CAUSE_LENGTH ? `${line.slice(0, MAX_CAUSE_LENGTH)}…` : line;
}

/**
 * Packages found in one file, kept once per name and version (names
 * compared as PEP 503 normalises them, the first spelling kept). A group
 * flag holds only when every occurrence has it.
 *
 * @example
 *   const found = new Collected('Pipfile.lock', 'lockfile');
 *   found.add('MarkupSafe', '2.1.1', { dev: true });
 *   found.add('markupsafe', '2.1.1', {});
 *   found.packages(); // [{ type: 'pypi', name: 'MarkupSafe', version: '2.1.1', … }] — not dev
 */
export class Collected {
  private readonly byKey = new Map<string, ExtractedPackage>();

  constructor(
    private readonly sourceFile: string,
    private readonly evidence: ExtractedPackage['evidence'],
  ) {}

  add(name: string, version: string, flags: { dev?: boolean; optional?: boolean }): void {
    const key = `${normalizeName(name)}\u0000${version}`;
    const seen = this.byKey.get(key);
    if (seen === undefined) {
      const pkg: ExtractedPackage = { type: 'pypi', name, version, sourceFile: this.sourceFile, evidence: this.evidence };
      if (flags.dev === true) pkg.dev = true;
      if (flags.optional === true) pkg.optional = true;
      this.byKey.set(key, pkg);
      return;
    }
    if (flags.dev !== true) delete seen.dev;
    if (flags.optional !== true) delete seen.optional;
  }

  packages(): ExtractedPackage[] {
    return [...this.byKey.values()];
  }
}

/**
 * PEP 503 name normalisation: lower case, runs of `-`, `_` and `.` become one `-`.
 *
 * @example
 *   normalizeName('Mopidy_Dirble'); // 'mopidy-dirble'
 */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * The result, with warnings (each prefixed with the file path) capped so a junk file cannot flood a report.
 *
 * @example
 *   withWarnings('uv.lock', packages, ['package[3] has no version; skipped']);
 *   // { packages, warnings: ['uv.lock: package[3] has no version; skipped'] }
 */
export function withWarnings(path: string, packages: ExtractedPackage[], warnings: string[]): { packages: ExtractedPackage[]; warnings?: string[] } {
  if (warnings.length === 0) return { packages };
  const shown = warnings.slice(0, MAX_WARNINGS).map((w) => `${path}: ${w}`);
  if (warnings.length > MAX_WARNINGS) shown.push(`${path}: … and ${warnings.length - MAX_WARNINGS} more warnings`);
  return { packages, warnings: shown };
}

/**
 * A TOML or JSON table as a plain record, or undefined.
 *
 * @example
 *   asMapping({ a: 1 }); // { a: 1 }
 *   asMapping([1]);      // undefined
 */
export function asMapping(value: unknown): Mapping | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Mapping) : undefined;
}

/**
 * A non-empty string, or undefined.
 *
 * @example
 *   nonEmptyString(''); // undefined
 */
export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
