/**
 * Dev-only packages of a v9 pnpm lockfile. v9 dropped the per-package `dev`
 * flag of v5 and v6; what is dev-only now has to be worked out from the
 * graph: a package is dev-only when some importer's `devDependencies`
 * reach it and no importer's `dependencies` or `optionalDependencies` do.
 *
 * @example
 *   devOnlyPackages(doc); // Set { 'is-number@7.0.0' } — keys of `packages`, peers stripped
 */
import { withoutPeers } from './dep-path.js';

type Mapping = Record<string, unknown>;

/**
 * The `packages` keys (name@version, no peers) reachable only from
 * devDependencies. Empty when the lockfile has no importers to start from.
 *
 * @example
 *   devOnlyPackages({ importers: { '.': { devDependencies: { a: { version: '1.0.0' } } } }, snapshots: { 'a@1.0.0': {} } });
 *   // Set { 'a@1.0.0' }
 */
export function devOnlyPackages(doc: Mapping): Set<string> {
  const snapshots = asMapping(doc['snapshots']) ?? {};
  const prodRoots: string[] = [];
  const devRoots: string[] = [];
  for (const importer of Object.values(asMapping(doc['importers']) ?? {})) {
    const groups = asMapping(importer) ?? {};
    prodRoots.push(...importerTargets(groups['dependencies'], snapshots), ...importerTargets(groups['optionalDependencies'], snapshots));
    devRoots.push(...importerTargets(groups['devDependencies'], snapshots));
  }
  const prod = reach(prodRoots, snapshots);
  const devOnly = new Set<string>();
  for (const key of reach(devRoots, snapshots)) {
    const base = withoutPeers(key);
    if (!prod.has(base)) devOnly.add(base);
  }
  return devOnly;
}

/** Every snapshot key reachable from `roots`; the result holds both full keys and their peer-less bases. */
function reach(roots: string[], snapshots: Mapping): Set<string> {
  const seen = new Set<string>();
  const bases = new Set<string>();
  // An explicit stack: dependency chains thousands deep must not overflow the call stack.
  const stack = [...roots];
  for (let key = stack.pop(); key !== undefined; key = stack.pop()) {
    if (seen.has(key)) continue;
    seen.add(key);
    bases.add(withoutPeers(key));
    const snapshot = asMapping(snapshots[key]) ?? {};
    for (const group of ['dependencies', 'optionalDependencies']) {
      for (const [name, version] of Object.entries(asMapping(snapshot[group]) ?? {})) {
        const target = snapshotKey(name, version, snapshots);
        if (target !== undefined && !seen.has(target)) stack.push(target);
      }
    }
  }
  return new Set([...seen, ...bases]);
}

/** Snapshot keys of an importer's `{ name: { specifier, version } }` group. */
function importerTargets(group: unknown, snapshots: Mapping): string[] {
  const targets: string[] = [];
  for (const [name, spec] of Object.entries(asMapping(group) ?? {})) {
    const target = snapshotKey(name, asMapping(spec)?.['version'], snapshots);
    if (target !== undefined) targets.push(target);
  }
  return targets;
}

/**
 * The snapshot a dependency resolves to: `name@version` normally; for an
 * alias the version is itself `real@version`. Links to workspace folders
 * have no snapshot.
 */
function snapshotKey(name: string, version: unknown, snapshots: Mapping): string | undefined {
  if (typeof version !== 'string' || version.startsWith('link:')) return undefined;
  const direct = `${name}@${version}`;
  if (Object.hasOwn(snapshots, direct)) return direct;
  return Object.hasOwn(snapshots, version) ? version : undefined;
}

function asMapping(value: unknown): Mapping | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Mapping) : undefined;
}
