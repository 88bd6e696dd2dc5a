/**
 * `go.sum`: the checksums of every module version the build needed. Before
 * Go 1.17 a go.mod lists only the direct requirements; the indirect ones are
 * known only from here, so the go-mod extractor completes such a go.mod with
 * this file's modules (as osv-scalibr and Trivy do).
 *
 * A line is `path version hash`. A version ending in `/go.mod` only checks
 * that module's go.mod, read while resolving the graph: the module itself is
 * not built, so such lines do not count. Malformed lines are skipped and
 * counted in one warning.
 *
 * @example
 *   parseGoSum('github.com/pkg/errors v0.9.1 h1:…=\ngithub.com/pkg/errors v0.9.1/go.mod h1:…=\n')
 *   // { modules: [{ path: 'github.com/pkg/errors', version: '0.9.1' }], warnings: [] }
 */
import type { GoModule } from './modfile.js';

/**
 * The modules a go.sum names as built, in file order, one per path and version (leading `v` dropped).
 * @example parseGoSum(text).modules.map((m) => `${m.path}@${m.version}`)
 */
export function parseGoSum(text: string): { modules: GoModule[]; warnings: string[] } {
  const seen = new Map<string, GoModule>();
  const bad: number[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const fields = line.split(/\s+/);
    const [path, version] = fields;
    if (fields.length !== 3 || path === undefined || version === undefined || !version.startsWith('v')) {
      bad.push(index + 1);
      return;
    }
    if (version.endsWith('/go.mod')) return;
    const module = { path, version: version.slice(1) };
    seen.set(`${path}@${module.version}`, module);
  });
  const warnings = bad.length === 0 ? [] : [`go.sum: ${bad.length} malformed line(s) skipped (first: line ${bad[0] as number})`];
  return { modules: [...seen.values()], warnings };
}

/**
 * True when a go.mod's `go` directive is older than 1.17, so its indirect requirements are only in go.sum.
 * @example goModOmitsIndirect('1.16') // true; goModOmitsIndirect('1.17') // false; goModOmitsIndirect(undefined) // false
 */
export function goModOmitsIndirect(goVersion: string | undefined): boolean {
  const match = /^(\d+)\.(\d+)/.exec(goVersion ?? '');
  if (match === null) return false;
  const major = Number(match[1]);
  return major < 1 || (major === 1 && Number(match[2]) < 17);
}
