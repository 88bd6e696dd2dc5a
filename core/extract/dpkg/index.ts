/**
 * The `dpkg` extractor: installed Debian packages from the dpkg database.
 *
 * Reads `var/lib/dpkg/status` and, for distroless images, every file in
 * `var/lib/dpkg/status.d/` (one or more stanzas per file; the `*.md5sums`
 * files beside them are not package records). Both are RFC-822-style
 * stanzas separated by blank lines, with continuation lines that start with
 * a space or tab.
 *
 * Which stanzas count as installed (dpkg's own meaning of "installed"):
 * - the third word of `Status` (the package state) must be `installed`; the
 *   wanted action (`install`, `deinstall`, `purge`, `hold`) does not matter,
 *   because the files are on disk until the action runs. `half-installed`,
 *   `half-configured`, `unpacked`, `triggers-*`, `config-files` and
 *   `not-installed` are skipped: dpkg itself does not call them installed.
 * - a stanza in `status.d/` without `Status` is installed (distroless writes
 *   no Status field); in `status` dpkg always writes one, so a stanza there
 *   without it is reported as malformed.
 *
 * A malformed stanza (bad line, no Package, no or invalid Version, bad
 * Status) yields a warning and the rest of the file is read. A non-empty
 * file in which no stanza is even syntactically valid is not a dpkg
 * database: extraction throws.
 *
 * @example
 *   const { packages } = dpkgExtractor.extract({
 *     path: 'var/lib/dpkg/status',
 *     contents: new TextEncoder().encode('Package: acl\nStatus: install ok installed\nVersion: 2.3.1-3\n'),
 *   });
 *   // [{ type: 'deb', name: 'acl', version: '2.3.1-3', evidence: 'package-db', … }]
 */
import { capWarnings } from '../warnings.js';
import { StellaError } from '../../errors.js';
import type { StellaErrorCode } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';

const STATUS_FILE = 'var/lib/dpkg/status';
const STATUS_DIR = 'var/lib/dpkg/status.d/';

/**
 * Real status files are a few MiB; 64 MiB leaves room while refusing decompression-bomb sized ones.
 *
 * @example
 *   if (bytes.byteLength > DPKG_MAX_FILE_SIZE) skipWithWarning();
 */
export const DPKG_MAX_FILE_SIZE = 64 * 1024 * 1024;


/**
 * There is no dedicated code for "package database unreadable" yet; a dpkg
 * database comes from an image or root filesystem, so IMAGE_INVALID is the
 * closest existing one. Kept in one place so it changes in one line.
 */
const DB_INVALID: StellaErrorCode = 'IMAGE_INVALID';

/** Debian policy characters for a version: optional numeric epoch, then [A-Za-z0-9.+~:-]. */
const DEB_VERSION = /^(?:\d+:)?[A-Za-z0-9][A-Za-z0-9.+~:-]*$/;

/**
 * True for the files the dpkg extractor reads.
 *
 * @example
 *   isDpkgDatabase('var/lib/dpkg/status');                  // true
 *   isDpkgDatabase('var/lib/dpkg/status.d/base-files');     // true
 *   isDpkgDatabase('var/lib/dpkg/status.d/base-files.md5sums'); // false
 */
export function isDpkgDatabase(path: string): boolean {
  if (path === STATUS_FILE) return true;
  if (!path.startsWith(STATUS_DIR)) return false;
  const file = path.slice(STATUS_DIR.length);
  return file !== '' && !file.includes('/') && !file.endsWith('.md5sums');
}

/**
 * Splits a `Source` field into source package name and version. The version
 * is present only when it differs from the binary's (`gcc-5 (5.1.1-12ubuntu1)`).
 * Returns undefined for a value that is not `name` or `name (version)`.
 *
 * @example
 *   parseSourceField('gcc-5 (5.1.1-12ubuntu1)'); // { name: 'gcc-5', version: '5.1.1-12ubuntu1' }
 *   parseSourceField('firefox-esr');             // { name: 'firefox-esr' }
 */
export function parseSourceField(value: string): { name: string; version?: string } | undefined {
  const match = /^([^\s()]+)(?:\s*\(\s*([^\s()]+)\s*\))?$/.exec(value.trim());
  if (match === null) return undefined;
  const [, name, version] = match;
  if (name === undefined) return undefined;
  return version === undefined ? { name } : { name, version };
}

/**
 * The dpkg extractor; see the module comment for what counts as installed.
 *
 * @example
 *   dpkgExtractor.fileRequired('var/lib/dpkg/status'); // true
 *   dpkgExtractor.extract({ path: 'var/lib/dpkg/status', contents }).packages;
 */
export const dpkgExtractor: Extractor = {
  name: 'dpkg',
  maxFileSize: DPKG_MAX_FILE_SIZE,
  fileRequired: isDpkgDatabase,
  extract: extractDpkg,
};

interface Stanza {
  /** 1-based line of the stanza's first line, for warnings a person can find. */
  line: number;
  /** Field names lower-cased: deb822 field names are case-insensitive. */
  fields: Map<string, string>;
  /** Set when the stanza is syntactically broken; its fields are then not trusted. */
  problem?: string;
}

function extractDpkg({ path, contents }: ExtractInput): ExtractResult {
  const stanzas = splitStanzas(new TextDecoder().decode(contents));
  if (stanzas.length > 0 && stanzas.every((s) => s.problem !== undefined)) {
    const first = stanzas[0]?.problem ?? 'no stanza';
    throw new StellaError(DB_INVALID, `${path}: not a dpkg status file (no valid stanza; ${first})`);
  }
  const inStatusDir = path.startsWith(STATUS_DIR);
  const packages: ExtractedPackage[] = [];
  const warnings: string[] = [];
  for (const stanza of stanzas) {
    const outcome = toPackage(stanza, path, inStatusDir);
    const message = outcome.kind === 'package' ? outcome.warning : outcome.kind === 'warning' ? outcome.message : undefined;
    if (outcome.kind === 'package') packages.push(outcome.pkg);
    // A syntax problem already names its own line.
    const where = stanza.problem === undefined ? `stanza at line ${stanza.line}: ` : '';
    if (message !== undefined) warnings.push(`${path}: ${where}${message}`);
  }
  return warnings.length === 0 ? { packages } : { packages, warnings: capWarnings(path, warnings) };
}

function splitStanzas(text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let current: Stanza | undefined;
  let lastField: string | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') {
      if (current !== undefined) stanzas.push(current);
      current = undefined;
      lastField = undefined;
      continue;
    }
    current ??= { line: i + 1, fields: new Map() };
    if (current.problem !== undefined) continue;
    const added = addLine(current, line, lastField);
    if ('problem' in added) current.problem = `line ${i + 1}: ${added.problem}`;
    else lastField = added.field;
  }
  if (current !== undefined) stanzas.push(current);
  return stanzas;
}

/** Adds one line to the stanza: returns the field it belongs to, or why the line is not deb822. */
function addLine(stanza: Stanza, line: string, lastField: string | undefined): { field: string } | { problem: string } {
  if (line[0] === ' ' || line[0] === '\t') {
    if (lastField === undefined) return { problem: 'continuation line before any field' };
    stanza.fields.set(lastField, `${stanza.fields.get(lastField) ?? ''}\n${line.trim()}`);
    return { field: lastField };
  }
  const colon = line.indexOf(':');
  const name = colon > 0 ? line.slice(0, colon).trim() : '';
  if (name === '' || /\s/.test(name)) return { problem: 'expected "Field: value"' };
  const field = name.toLowerCase();
  // dpkg refuses a repeated field; silently picking one would hide a corrupt database.
  if (stanza.fields.has(field)) return { problem: `duplicate field "${name}"` };
  stanza.fields.set(field, line.slice(colon + 1).trim());
  return { field };
}

type Outcome =
  | { kind: 'package'; pkg: ExtractedPackage; warning?: string }
  | { kind: 'warning'; message: string }
  | { kind: 'skip' };

function toPackage(stanza: Stanza, path: string, inStatusDir: boolean): Outcome {
  if (stanza.problem !== undefined) return { kind: 'warning', message: `${stanza.problem}; stanza skipped` };
  const name = stanza.fields.get('package') ?? '';
  if (name === '' || /\s/.test(name)) return { kind: 'warning', message: 'no valid Package field; skipped' };
  const installed = isInstalled(stanza.fields.get('status'), inStatusDir);
  if (installed !== true) return installed === false ? { kind: 'skip' } : { kind: 'warning', message: `${name}: ${installed}` };
  const version = stanza.fields.get('version') ?? '';
  if (version === '') return { kind: 'warning', message: `${name}: no Version field; skipped` };
  if (!DEB_VERSION.test(version)) return { kind: 'warning', message: `${name}: invalid Version "${version}"; skipped` };

  const pkg: ExtractedPackage = { type: 'deb', name, version, sourceFile: path, evidence: 'package-db' };
  const arch = stanza.fields.get('architecture');
  if (arch !== undefined && arch !== '') pkg.arch = arch;
  const source = stanza.fields.get('source');
  if (source !== undefined && source !== '') {
    const parsed = parseSourceField(source);
    // A garbled Source loses only the source mapping; the binary package is still installed.
    if (parsed === undefined) return { kind: 'package', pkg, warning: `${name}: unreadable Source "${source}"; source package unknown` };
    pkg.sourceName = parsed.name;
    if (parsed.version !== undefined) pkg.sourceVersion = parsed.version;
  }
  return { kind: 'package', pkg };
}

/** true, false (not installed: skip quietly), or a problem to warn about. */
function isInstalled(status: string | undefined, inStatusDir: boolean): boolean | string {
  if (status === undefined) return inStatusDir ? true : 'no Status field; skipped';
  const words = status.split(/\s+/).filter((w) => w !== '');
  if (words.length !== 3) return `malformed Status "${status}"; skipped`;
  return words[2] === 'installed';
}

