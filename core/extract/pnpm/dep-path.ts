/**
 * pnpm dependency paths: the keys of a lockfile's `packages` and
 * `snapshots`. Their shape changed with the lockfile version:
 *
 * - v5: `/name/1.0.0`, `/@scope/name/1.0.0_peer@2.0.0+other@1.0.0`, optionally
 *   behind a registry host (`registry.example/foo/1.0.0`).
 * - v6: `/name@1.0.0(peer@2.0.0)(other@1.0.0)`.
 * - v9: as v6 without the leading slash; the version may be a tarball URL,
 *   in which case the entry's own `version` field holds the real one.
 *
 * @example
 *   parseDepPath('/@babel/core/7.24.0_eslint@8.0.0', 5); // { name: '@babel/core', version: '7.24.0' }
 *   parseDepPath('react-dom@18.2.0(react@18.2.0)', 9);  // { name: 'react-dom', version: '18.2.0' }
 */

/**
 * What a dependency path tells: the name and version, where it holds them.
 *
 * @example
 *   const parts: DepPathParts = { name: 'acorn', version: '8.7.0' };
 */
export interface DepPathParts {
  name?: string;
  version?: string;
}

/**
 * Name and version from a dependency path, peer suffix removed. Either is
 * missing when the key does not hold it: a tarball or git dependency's key
 * carries a URL or commit where the version would be (the entry's own
 * `version` field has it), and a `file:` key names a folder, not a package.
 *
 * @example
 *   parseDepPath('/foo/1.3.0_bar@2.0.0', 5);                // { name: 'foo', version: '1.3.0' }
 *   parseDepPath('ansi-regex@https://codeload.example/t', 9); // { name: 'ansi-regex' }
 *   parseDepPath('invalidpath', 5);                        // {}
 */
export function parseDepPath(key: string, lockfileMajor: number): DepPathParts {
  const path = key.startsWith('/') ? key.slice(1) : key;
  const split = lockfileMajor < 6 ? splitV5(path) : splitV6(path);
  if (split === undefined) return {};
  const parts: DepPathParts = {};
  const name = lastName(split.name);
  if (name !== undefined) parts.name = name;
  // Registry versions are semver and start with a digit; anything else is a path, URL or commit.
  if (/^\d/.test(split.version)) parts.version = split.version;
  return parts;
}

/**
 * The dependency path without its peer suffix: the key of the `packages`
 * entry a v9 snapshot belongs to.
 *
 * @example
 *   withoutPeers('acorn-jsx@5.3.2(acorn@8.11.3)'); // 'acorn-jsx@5.3.2'
 */
export function withoutPeers(key: string): string {
  const open = key.indexOf('(');
  return open === -1 ? key : key.slice(0, open);
}

/** `name/version_peers`: the last segment is the version, the one or two before it the name. */
function splitV5(path: string): { name: string; version: string } | undefined {
  const slash = path.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const segment = path.slice(slash + 1);
  const underscore = segment.indexOf('_');
  return { name: path.slice(0, slash), version: underscore === -1 ? segment : segment.slice(0, underscore) };
}

/** `name@version(peers)`: a name holds no `@` after its scope's, so the first one past position 0 splits. */
function splitV6(path: string): { name: string; version: string } | undefined {
  const base = withoutPeers(path);
  const at = base.indexOf('@', 1);
  if (at === -1) return undefined;
  return { name: base.slice(0, at), version: base.slice(at + 1) };
}

/**
 * Drops a registry host in front of the name: keeps the last segment, or
 * the last two when scoped. npm names hold no ':' or spaces, so `file:..`
 * and the like are not names.
 */
function lastName(path: string): string | undefined {
  const segments = path.split('/').filter((s) => s !== '');
  const last = segments.at(-1);
  if (last === undefined || last.startsWith('@')) return undefined;
  const scope = segments.at(-2);
  const name = scope?.startsWith('@') === true ? `${scope}/${last}` : last;
  return /[:\s]/.test(name) ? undefined : name;
}
