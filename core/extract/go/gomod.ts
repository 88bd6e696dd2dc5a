/**
 * The `go-mod` extractor: Go modules required by a `go.mod` file.
 *
 * Files: `go.mod` at any depth, except copies that are not the project's
 * own: vendored modules (`…/vendor/…`) and the module cache (a folder named
 * `path@version`, as under `pkg/mod/`). Those list what a dependency asked
 * for, not what the build selected.
 *
 * Rules (osv-scalibr's peer behaviour, which the shared fixtures pin):
 * - Every `require` (single line or block) is reported, `// indirect` ones
 *   too; the leading `v` of versions is dropped (`v1.0.0` → `1.0.0`).
 * - `replace` directives are applied as Go applies them: a replacement for
 *   `path version` wins over one for `path` alone, whatever their order; a
 *   replacement with a version reports the new module at that version; a
 *   replacement with a local directory reports the directory as the name and
 *   no version (the original module is not built, so it is dropped). A
 *   replacement for a module that is not required changes nothing.
 * - `exclude`, `retract`, `godebug`, `tool` and `ignore` do not change what
 *   is built from this file and are ignored; the `module` itself is the
 *   project, not a dependency, and is not reported.
 * - The Go standard library is reported as `stdlib` at the `toolchain`
 *   version when there is one (`go1.23.6-xyz` → `1.23.6`), else at the `go`
 *   version, so advisories against the standard library can match.
 * - One package per name and version, in the order of the requirements.
 *
 * - Before Go 1.17 a go.mod does not list indirect dependencies: when its
 *   `go` directive is older than 1.17 and a `go.sum` sits beside it (handed
 *   over as a sibling file), the modules go.sum names as built are added
 *   after the requirements (see gosum.ts; `/go.mod`-only lines do not count),
 *   except modules a `replace` takes out of the build. Without a go.sum (or
 *   when the caller cannot look beside the file, as in image layers) only
 *   the direct requirements are reported.
 *
 * @example
 *   const { packages } = goModExtractor.extract({ path: 'app/go.mod', contents });
 *   // [{ type: 'golang', name: 'github.com/BurntSushi/toml', version: '1.0.0', evidence: 'lockfile', … },
 *   //  { type: 'golang', name: 'stdlib', version: '1.17', … }]
 */
import { prefixAndCapWarnings } from '../warnings.js';
import { StellaError } from '../../errors.js';
import type { StellaErrorCode } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { goModOmitsIndirect, parseGoSum } from './gosum.js';
import { parseModFile } from './modfile.js';
import type { GoModFile, GoModule, GoReplace } from './modfile.js';

/**
 * Real go.mod files are a few KiB; 16 MiB only stops files that are not one.
 *
 * @example
 *   goModExtractor.maxFileSize === GO_MOD_MAX_FILE_SIZE; // true
 */
export const GO_MOD_MAX_FILE_SIZE = 16 * 1024 * 1024;

/**
 * There is no code for "manifest unreadable" yet; IMAGE_INVALID is what the
 * dpkg extractor uses for a file from the target it cannot read. One place to change.
 */
const MANIFEST_INVALID: StellaErrorCode = 'IMAGE_INVALID';

/**
 * True for a go.mod the project itself owns.
 *
 * @example
 *   isGoMod('src/app/go.mod');                                  // true
 *   isGoMod('app/vendor/github.com/x/y/go.mod');                // false
 *   isGoMod('root/go/pkg/mod/github.com/x/y@v1.2.3/go.mod');    // false
 */
export function isGoMod(path: string): boolean {
  if (!path.endsWith('go.mod')) return false; // every path of an image is asked: the cheap test first
  const segments = path.split('/');
  if (segments.pop() !== 'go.mod') return false;
  return !segments.some((segment) => segment === 'vendor' || segment.includes('@'));
}

/**
 * The go.mod extractor; see the module comment for the rules.
 *
 * @example
 *   goModExtractor.fileRequired('go.mod'); // true
 *   goModExtractor.extract({ path: 'go.mod', contents }).packages;
 */
export const goModExtractor: Extractor = {
  name: 'go-mod',
  maxFileSize: GO_MOD_MAX_FILE_SIZE,
  siblings: ['go.sum'],
  fileRequired: isGoMod,
  extract: extractGoMod,
};

function extractGoMod({ path, contents, siblings }: ExtractInput): ExtractResult {
  const read = parseModFile(new TextDecoder().decode(contents));
  if (read.$case === 'invalid') throw new StellaError(MANIFEST_INVALID, `${path}: not a go.mod file (${read.reason})`);
  const { file: mod } = read;
  const warnings = [...read.warnings];
  const sum = siblings?.get('go.sum');
  let fromSum: GoModule[] = [];
  if (sum !== undefined && goModOmitsIndirect(mod.goVersion)) {
    const parsed = parseGoSum(new TextDecoder().decode(sum));
    fromSum = parsed.modules;
    warnings.push(...parsed.warnings);
  }
  const packages = resolvePackages(mod, fromSum).map(
    (m): ExtractedPackage => ({ type: 'golang', name: m.path, version: m.version, sourceFile: path, evidence: 'lockfile' }),
  );
  const result: ExtractResult = { packages };
  if (warnings.length > 0) result.warnings = prefixAndCapWarnings(path, warnings);
  return result;
}

/** Requirements after replacement, deduplicated, then go.sum's modules that are still built, then the standard library. */
function resolvePackages(mod: GoModFile, fromSum: readonly GoModule[]): GoModule[] {
  const exact = new Map<string, GoReplace>();
  const anyVersion = new Map<string, GoReplace>();
  for (const replace of mod.replaces) {
    if (replace.old.version === '') anyVersion.set(replace.old.path, replace);
    else exact.set(`${replace.old.path}@${replace.old.version}`, replace);
  }
  const seen = new Map<string, GoModule>();
  for (const required of mod.requires) {
    const replace = exact.get(`${required.path}@${required.version}`) ?? anyVersion.get(required.path);
    const module = replace === undefined ? required : replace.target;
    const key = `${module.path}@${module.version}`;
    if (!seen.has(key)) seen.set(key, module);
  }
  for (const module of fromSum) {
    const replaced = exact.has(`${module.path}@${module.version}`) || anyVersion.has(module.path);
    const key = `${module.path}@${module.version}`;
    if (!replaced && !seen.has(key)) seen.set(key, module);
  }
  const modules = [...seen.values()];
  const stdlib = stdlibVersion(mod);
  if (stdlib !== undefined) modules.push({ path: 'stdlib', version: stdlib });
  return modules;
}

/** The toolchain wins over the language version: it is what compiled the standard library. */
function stdlibVersion(mod: GoModFile): string | undefined {
  if (mod.toolchain?.startsWith('go') === true) {
    const version = mod.toolchain.slice(2).split('-')[0] ?? '';
    if (version !== '') return version;
  }
  return mod.goVersion;
}

