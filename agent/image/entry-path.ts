/**
 * Paths inside an image root: POSIX, relative, no leading slash, `''` for
 * the root itself. Entry names are normalised here; symlinks are resolved
 * here, always inside the root (absolute targets re-rooted, `..` clamped at
 * the root, as a container runtime does with `securejoin`).
 *
 * @example
 *   normalisePath('./usr//lib/./x');  // 'usr/lib/x'
 *   normalisePath('a/../../etc');     // undefined (escapes the root)
 *   resolveInRoot('etc/os-release', (p) => (p === 'etc/os-release' ? '../usr/lib/os-release' : undefined), true);
 *   // { path: 'usr/lib/os-release', clamped: false }
 */

/**
 * Normalises an entry name: strips leading `/` and `./`, collapses `.` and
 * empty components, applies `..`. Undefined when `..` climbs above the root.
 */
export function normalisePath(name: string): string | undefined {
  // Nearly every name in a real layer is already clean: check that first, without allocating.
  const first = name.charCodeAt(0);
  if (first !== 0x2f && first !== 0x2e && !name.includes('/.') && !name.includes('//')) {
    return name.charCodeAt(name.length - 1) === 0x2f ? name.slice(0, -1) : name;
  }
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

/** The last component of a normalised path (core's, under the name this folder uses). */
export { basename as baseName } from '../../core/extract/path-name.js';

/** The parent of a normalised path (`''` for a top-level one). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/** `parent/name`, for a normalised parent. */
export function joinPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

/** Looks up the symlink at a normalised path: its target as stored, or undefined when the path is not a symlink. */
export type SymlinkLookup = (path: string) => string | undefined;

/** A path resolved inside the root. */
export interface Resolved {
  path: string;
  /** A `..` would have climbed above the root and was clamped there. */
  clamped: boolean;
}

/** Symlinks followed before giving up (Linux's MAXSYMLINKS). */
const MAX_HOPS = 40;

/**
 * Resolves `path` inside the root, following symlinks in its parent
 * directories and, with `followLast`, in its last component. Undefined on a
 * symlink loop.
 */
export function resolveInRoot(path: string, lookup: SymlinkLookup, followLast: boolean): Resolved | undefined {
  const pending = path.split('/').reverse();
  const done: string[] = [];
  let clamped = false;
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.pop() ?? '';
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (done.length === 0) clamped = true;
      else done.pop();
      continue;
    }
    done.push(part);
    if (pending.length === 0 && !followLast) break;
    const target = lookup(done.join('/'));
    if (target === undefined) continue;
    if (++hops > MAX_HOPS) return undefined;
    done.pop();
    if (target.startsWith('/')) done.length = 0;
    for (const next of target.split('/').reverse()) pending.push(next);
  }
  return { path: done.join('/'), clamped };
}

/**
 * Resolves the parent directories of a normalised entry path through
 * symlinks, leaving the last component alone (an entry replaces a symlink at
 * its own path, it is not written through it). Returns `path` itself, with
 * no allocation, when no parent is a symlink.
 */
export function resolveParents(path: string, lookup: SymlinkLookup): string {
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
    if (lookup(path.slice(0, slash)) !== undefined) return resolveInRoot(path, lookup, false)?.path ?? path;
  }
  return path;
}

/**
 * True when a symlink at `path` with `target` points above the root (it is
 * then clamped at the root: harmless for us, suspicious in an image).
 */
export function symlinkEscapes(path: string, target: string): boolean {
  if (target.startsWith('/')) return false;
  let depth = path.split('/').length - 1;
  for (const part of target.split('/')) {
    if (part === '..') {
      if (--depth < 0) return true;
    } else if (part !== '' && part !== '.') depth++;
  }
  return false;
}
