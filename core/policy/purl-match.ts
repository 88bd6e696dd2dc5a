/**
 * How a purl pattern meets a finding's purl: against the full purl
 * (`pkg:npm/lodash@4.17.15`, `pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12`)
 * and against the package alone — the purl without version, qualifiers and
 * subpath (`pkg:npm/lodash`) — so `pkg:npm/lodash` names every version
 * and `pkg:npm/lodash@4.*` only some.
 *
 * @example
 *   purlMatches(compileGlob('pkg:npm/lodash'), 'pkg:npm/lodash@4.17.15'); // true
 */
import type { Glob } from './glob.js';

/** The purl without version, qualifiers and subpath (an `@` in a namespace is percent-encoded, so the first `@` starts the version). */
export function purlPackage(purl: string): string {
  const end = purl.search(/[@?#]/);
  return end < 0 ? purl : purl.slice(0, end);
}

/** True when `glob` matches the full purl or its package (see the module comment). */
export function purlMatches(glob: Glob, purl: string, pkg: string = purlPackage(purl)): boolean {
  return glob.test(purl) || glob.test(pkg);
}
