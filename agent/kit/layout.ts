/**
 * What an Offline Update Kit carries from a state repository: the folders a
 * site needs to scan and decide offline (feeds, VEX, policies, exceptions,
 * trust) and the mesh settings — never findings or node data, which belong
 * to the receiving site. The kit's own signed manifest sits under `kit/`.
 *
 * @example
 *   isKitContentPath('feeds/osv/shards/a3.jsonl') // true
 *   isKitContentPath('findings/n1/app/report.json') // false
 */

/** Folders copied whole, with every file below them. */
export const KIT_FOLDERS: readonly string[] = ['exceptions', 'feeds', 'policies', 'trust', 'vex'];
/** Single files at the repository root. */
export const KIT_ROOT_FILES: readonly string[] = ['stella.yaml'];
/** Root files carried when the repository has them: stella.yaml's `policies` signature. */
export const KIT_OPTIONAL_ROOT_FILES: readonly string[] = ['stella.yaml.jws'];

/** The trust roots' folder: applied only within one mesh (see trust.ts). */
export const TRUST_PREFIX = 'trust/';

export const KIT_MANIFEST_PATH = 'kit/manifest.json';
export const KIT_SIGNATURE_PATH = 'kit/manifest.json.jws';

/** True for a repository path a kit may carry as content (not the kit's own manifest files). */
export function isKitContentPath(path: string): boolean {
  if (KIT_ROOT_FILES.includes(path) || KIT_OPTIONAL_ROOT_FILES.includes(path)) return true;
  const slash = path.indexOf('/');
  return slash > 0 && slash < path.length - 1 && KIT_FOLDERS.includes(path.slice(0, slash));
}

/**
 * Why `path` is unsafe to write into a repository or a work tree, or
 * undefined when it is fine: relative, `/`-separated, no empty, `.`, `..` or
 * `.git` segment, no backslash, drive letter or control character (each of
 * which some tool on some platform reads as something else).
 * @example pathProblem('feeds/../etc') // "has a '..' segment"
 */
export function pathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (path.startsWith('/')) return 'is absolute';
  if (/^[A-Za-z]:/.test(path)) return 'starts with a drive letter';
  if (path.includes('\\')) return 'contains a backslash';
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'contains a control character';
  if (/\p{Cs}/u.test(path)) return 'contains a lone UTF-16 surrogate';
  for (const part of path.split('/')) {
    if (part === '') return 'has an empty segment';
    if (part === '.' || part === '..') return `has a '${part}' segment`;
    if (part.toLowerCase() === '.git') return "has a '.git' segment";
  }
  return undefined;
}

/** True for the two files that describe the kit itself. */
export function isKitMetaPath(path: string): boolean {
  return path === KIT_MANIFEST_PATH || path === KIT_SIGNATURE_PATH;
}

/**
 * The one order of paths in a kit, in its tar and in its manifest: by UTF-16
 * code unit, like `Array.prototype.sort`, so JSON readers in any language
 * can check it with a plain string comparison.
 * @example ['b', 'a/x'].sort(comparePaths) // ['a/x', 'b']
 */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
