/**
 * The `npm-lockfile` extractor: packages locked by npm.
 *
 * Files: `package-lock.json`, `npm-shrinkwrap.json` and the hidden lockfile
 * `node_modules/.package-lock.json`, at any depth of the target but never
 * inside an installed package (`…/node_modules/<pkg>/…`): lockfiles there
 * are shipped by the package author and npm ignores them.
 *
 * Formats:
 * - v1 (`dependencies`, nested by install location). A version of the form
 *   `npm:<name>@<version>` is an alias and reports the real package; a
 *   version that is a URL, git or file spec reports an empty version.
 * - v2 and v3 (`packages`, keyed by folder). The root `""` entry is the
 *   project itself and is skipped; `link: true` entries are skipped because
 *   npm also lists the link's target under its own key. The name is the
 *   entry's `name` (set by npm for aliases and workspaces), else the key's
 *   last `node_modules/` segment, else the key's last path segment.
 *
 * One package is reported per name, version and git commit, as the
 * osv-scalibr peer does: `installPath` is the first folder it appears in,
 * and it is `dev` / `optional` only when every occurrence is.
 *
 * npm uses `npm-shrinkwrap.json` instead of `package-lock.json` when both
 * are present. This extractor sees one file at a time, so the caller skips
 * a package-lock.json when `lockfileShadowedBy(path)` names a file that
 * exists.
 *
 * @example
 *   const { packages } = npmLockfileExtractor.extract({ path: 'app/package-lock.json', contents });
 *   // [{ type: 'npm', name: 'wrappy', version: '1.0.2', installPath: 'app/node_modules/wrappy', evidence: 'lockfile', … }]
 */
import { isObject, parseJsonObject, type JsonObject } from '../json-lockfile.js';
import { prefixAndCapWarnings } from '../warnings.js';
import { StellaError, describeError } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { basename } from '../path-name.js';

/**
 * Monorepo lockfiles reach tens of MiB; more than 128 MiB is not a lockfile a person wrote.
 *
 * @example
 *   npmLockfileExtractor.maxFileSize === NPM_LOCKFILE_MAX_FILE_SIZE; // true
 */
export const NPM_LOCKFILE_MAX_FILE_SIZE = 128 * 1024 * 1024;

/** npm trees are rarely more than a few dozen levels deep; this only stops hostile nesting. */
const MAX_V1_DEPTH = 1000;

const LOCKFILE_NAMES = new Set(['package-lock.json', 'npm-shrinkwrap.json']);
const HIDDEN_LOCKFILE = '.package-lock.json';
const NODE_MODULES = 'node_modules';

/**
 * True for the lockfiles npm itself would read.
 *
 * @example
 *   isNpmLockfile('app/package-lock.json');                    // true
 *   isNpmLockfile('app/node_modules/.package-lock.json');      // true
 *   isNpmLockfile('app/node_modules/foo/package-lock.json');   // false
 */
export function isNpmLockfile(path: string): boolean {
  return lockfileProject(path) !== undefined;
}

/**
 * The path of the file that takes precedence over this lockfile when it
 * exists: npm reads `npm-shrinkwrap.json` and ignores `package-lock.json` in
 * the same folder. The caller checks whether that file is in the target and,
 * if so, does not extract this one. Undefined when nothing can shadow `path`.
 *
 * @example
 *   lockfileShadowedBy('app/package-lock.json'); // 'app/npm-shrinkwrap.json'
 *   lockfileShadowedBy('package-lock.json');     // 'npm-shrinkwrap.json'
 *   lockfileShadowedBy('app/npm-shrinkwrap.json'); // undefined
 */
export function lockfileShadowedBy(path: string): string | undefined {
  if (basename(path) !== 'package-lock.json' || !isNpmLockfile(path)) return undefined;
  return joinPath(dirname(path), 'npm-shrinkwrap.json');
}

/**
 * The npm lockfile extractor; see the module comment for formats and rules.
 *
 * @example
 *   npmLockfileExtractor.fileRequired('app/package-lock.json'); // true
 *   npmLockfileExtractor.extract({ path: 'app/package-lock.json', contents }).packages;
 */
export const npmLockfileExtractor: Extractor = {
  name: 'npm-lockfile',
  maxFileSize: NPM_LOCKFILE_MAX_FILE_SIZE,
  fileRequired: isNpmLockfile,
  extract: extractLockfile,
};


interface Found {
  name: string;
  version: string;
  commit: string | undefined;
  installPath: string | undefined;
  dev: boolean;
  optional: boolean;
}

function extractLockfile({ path, contents }: ExtractInput): ExtractResult {
  const doc = parseJsonObject(path, contents);
  const project = lockfileProject(path) ?? dirname(path);
  const found = new Collected();
  const warnings: string[] = [];
  const packages = doc['packages'];
  const dependencies = doc['dependencies'];
  // v2 keeps a v1 `dependencies` copy for old npm; `packages` is the authority when present.
  if (packages !== undefined) {
    if (!isObject(packages)) throw new StellaError('JSON_INVALID', `${path}: "packages" is not an object`);
    readPackages(packages, project, found, warnings);
  } else if (dependencies !== undefined) {
    if (!isObject(dependencies)) throw new StellaError('JSON_INVALID', `${path}: "dependencies" is not an object`);
    readDependencies(dependencies, project, found, warnings);
  }
  const result: ExtractResult = { packages: found.toPackages(path) };
  if (warnings.length > 0) result.warnings = prefixAndCapWarnings(path, warnings);
  return result;
}

/** lockfileVersion 2 and 3: one entry per folder, keyed by its path from the project. */
function readPackages(packages: JsonObject, project: string, found: Collected, warnings: string[]): void {
  for (const [key, entry] of Object.entries(packages)) {
    if (key === '') continue;
    if (!isObject(entry)) {
      warnings.push(`packages["${key}"] is not an object; skipped`);
      continue;
    }
    if (entry['link'] === true) continue;
    const name = nonEmptyString(entry['name']) ?? nameFromKey(key);
    if (name === undefined) {
      warnings.push(`packages["${key}"] has no package name; skipped`);
      continue;
    }
    // devOptional: needed when either dev or optional dependencies are installed; the peer reports both groups.
    const devOptional = entry['devOptional'] === true;
    found.add({
      name,
      version: typeof entry['version'] === 'string' ? entry['version'] : '',
      commit: commitOf(entry['resolved']),
      installPath: normalizedJoin(project, key),
      dev: entry['dev'] === true || devOptional,
      optional: entry['optional'] === true || devOptional,
    });
  }
}

/** lockfileVersion 1: `dependencies` nested by install location. Iterative, so nesting cannot overflow the stack. */
function readDependencies(root: JsonObject, project: string, found: Collected, warnings: string[]): void {
  interface Frame {
    key: string;
    entry: unknown;
    folder: string;
    depth: number;
  }
  const stack: Frame[] = [];
  const pushChildren = (deps: JsonObject, parent: string, depth: number): void => {
    const entries = Object.entries(deps);
    // Reverse push keeps file order when popping (pre-order walk).
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, entry] = entries[i] ?? ['', undefined];
      stack.push({ key, entry, folder: joinPath(joinPath(parent, NODE_MODULES), key), depth });
    }
  };
  pushChildren(root, project, 1);
  let tooDeep = false;
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const { key, entry, folder, depth } = frame;
    if (!isObject(entry)) {
      warnings.push(`dependencies["${key}"] is not an object; skipped`);
      continue;
    }
    const spec = typeof entry['version'] === 'string' ? entry['version'] : '';
    const { name, version, commit } = v1Identity(key, spec);
    found.add({ name, version, commit, installPath: normalizedJoin(folder, ''), dev: entry['dev'] === true, optional: entry['optional'] === true });
    const children = entry['dependencies'];
    if (!isObject(children)) continue;
    if (depth >= MAX_V1_DEPTH) {
      tooDeep = true;
      continue;
    }
    pushChildren(children, folder, depth + 1);
  }
  if (tooDeep) warnings.push(`dependencies nested deeper than ${MAX_V1_DEPTH} levels; the deeper ones are skipped`);
}

/** Reads a v1 `version`: a registry version, an `npm:` alias, or a URL/git/file spec (no version). */
function v1Identity(key: string, spec: string): { name: string; version: string; commit: string | undefined } {
  if (spec.startsWith('npm:')) {
    const target = spec.slice('npm:'.length);
    const at = target.lastIndexOf('@');
    if (at > 0) return { name: target.slice(0, at), version: target.slice(at + 1), commit: undefined };
    return { name: target === '' ? key : target, version: '', commit: undefined };
  }
  // Registry versions never contain ':' or '/'; git, tarball and file specs always do.
  if (/[:/]/.test(spec)) return { name: key, version: '', commit: commitOf(spec) };
  return { name: key, version: spec, commit: undefined };
}

/** The git commit of a `git+ssh://…#<sha>` style spec, when it names one. */
function commitOf(spec: unknown): string | undefined {
  if (typeof spec !== 'string') return undefined;
  const hash = spec.lastIndexOf('#');
  if (hash === -1 || !/[:/]/.test(spec.slice(0, hash))) return undefined;
  const fragment = spec.slice(hash + 1);
  return /^[0-9a-f]{7,64}$/i.test(fragment) ? fragment.toLowerCase() : undefined;
}

/** One package per (name, version, commit); group flags hold only when every occurrence has them. */
class Collected {
  private readonly byKey = new Map<string, Found>();

  add(found: Found): void {
    const key = `${found.name}\u0000${found.version}\u0000${found.commit ?? ''}`;
    const seen = this.byKey.get(key);
    if (seen === undefined) {
      this.byKey.set(key, found);
      return;
    }
    seen.dev &&= found.dev;
    seen.optional &&= found.optional;
  }

  toPackages(sourceFile: string): ExtractedPackage[] {
    return [...this.byKey.values()].map((f) => {
      const pkg: ExtractedPackage = { type: 'npm', name: f.name, version: f.version, sourceFile, evidence: 'lockfile' };
      if (f.installPath !== undefined) pkg.installPath = f.installPath;
      if (f.dev) pkg.dev = true;
      if (f.optional) pkg.optional = true;
      return pkg;
    });
  }
}

/** Package name from a `packages` key: after the last `node_modules/`, else the last (scoped) segment. */
function nameFromKey(key: string): string | undefined {
  const marker = `${NODE_MODULES}/`;
  const at = key.lastIndexOf(marker);
  if (at !== -1 && (at === 0 || key[at - 1] === '/')) return nonEmptyString(key.slice(at + marker.length));
  const segments = key.split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
  const last = segments.at(-1);
  const scope = segments.at(-2);
  if (last === undefined) return undefined;
  return scope?.startsWith('@') === true ? `${scope}/${last}` : last;
}

/**
 * The project folder a lockfile describes (`''` for the target root), or
 * undefined when npm would not read the file as a lockfile.
 */
function lockfileProject(path: string): string | undefined {
  // Every path of an image is asked: the name first, the folders only for a lockfile's name.
  const name = basename(path);
  if (name !== HIDDEN_LOCKFILE && !LOCKFILE_NAMES.has(name)) return undefined;
  const segments = path.split('/');
  const file = segments.pop();
  if (file === HIDDEN_LOCKFILE) {
    if (segments.pop() !== NODE_MODULES) return undefined;
    return segments.includes(NODE_MODULES) ? undefined : segments.join('/');
  }
  if (file === undefined || !LOCKFILE_NAMES.has(file)) return undefined;
  return segments.includes(NODE_MODULES) ? undefined : segments.join('/');
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

function joinPath(dir: string, name: string): string {
  if (dir === '') return name;
  if (name === '') return dir;
  return `${dir}/${name}`;
}

/**
 * `dir/key` with `.` and `..` resolved, or undefined when a key (a link
 * target such as `../shared`) points above the target root.
 */
function normalizedJoin(dir: string, key: string): string | undefined {
  const out: string[] = [];
  for (const segment of joinPath(dir, key).split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.pop() === undefined) return undefined;
      continue;
    }
    out.push(segment);
  }
  return out.join('/');
}

