/**
 * The OS release of a target: `etc/os-release`, else `usr/lib/os-release`
 * (os-release(5)), each resolved through symlinks inside the target root —
 * on Debian `etc/os-release` is a symlink to `../usr/lib/os-release`.
 *
 * @example
 *   imageOsRelease(overlay.nodes, warn); // { id: 'debian', versionId: '12', versionCodename: 'bookworm', … }
 */
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseOsRelease } from '../../core/extract/os-release.js';
import type { OsRelease } from '../../core/model/package.js';
import { resolveInRoot } from './entry-path.js';
import type { SymlinkLookup } from './entry-path.js';
import type { TrackedNode } from './overlay.js';

const CANDIDATES = ['etc/os-release', 'usr/lib/os-release'];

/** From the merged files of an image (or a lone layer). */
export function imageOsRelease(nodes: ReadonlyMap<string, TrackedNode>, warn: (message: string) => void): OsRelease | undefined {
  const lookup: SymlinkLookup = (path) => {
    const node = nodes.get(path);
    return node?.kind === 'symlink' ? node.target : undefined;
  };
  for (const candidate of CANDIDATES) {
    const resolved = resolveInRoot(candidate, lookup, true);
    if (resolved === undefined) {
      warn(`${candidate}: symlink loop; not read`);
      continue;
    }
    const node = nodes.get(resolved.path);
    if (node?.kind === 'file' && node.osRelease !== undefined) return parseOsRelease(node.osRelease);
  }
  return undefined;
}

/**
 * From a directory on disk. Symlinks are read (never followed by the OS) and
 * resolved inside `root`, so a link to `/etc/os-release` reads the target's
 * own file, not the host's.
 */
export function directoryOsRelease(root: string, maxBytes: number, warn: (message: string) => void): OsRelease | undefined {
  const lookup: SymlinkLookup = (path) => {
    try {
      return lstatSync(join(root, path)).isSymbolicLink() ? readlinkSync(join(root, path)) : undefined;
    } catch {
      return undefined;
    }
  };
  for (const candidate of CANDIDATES) {
    const resolved = resolveInRoot(candidate, lookup, true);
    if (resolved === undefined) {
      warn(`${candidate}: symlink loop; not read`);
      continue;
    }
    try {
      const file = join(root, resolved.path);
      const stat = lstatSync(file);
      if (!stat.isFile() || stat.size > maxBytes) continue;
      return parseOsRelease(readFileSync(file));
    } catch {
      continue;
    }
  }
  return undefined;
}
