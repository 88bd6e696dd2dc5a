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
 * Not done: before Go 1.17 a go.mod does not list indirect dependencies and
 * the peer reads them from the `go.sum` beside it. An extractor sees one file,
 * so for such modules only the direct requirements are reported.
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
  fileRequired: isGoMod,
  extract: extractGoMod,
};

function extractGoMod({ path, contents }: ExtractInput): ExtractResult {
  const read = parseModFile(new TextDecoder().decode(contents));
  if (read.$case === 'invalid') throw new StellaError(MANIFEST_INVALID, `${path}: not a go.mod file (${read.reason})`);
  const { file: mod, warnings } = read;
  const packages = resolvePackages(mod).map(
    (m): ExtractedPackage => ({ type: 'golang', name: m.path, version: m.version, sourceFile: path, evidence: 'lockfile' }),
  );
  const result: ExtractResult = { packages };
  if (warnings.length > 0) result.warnings = prefixAndCapWarnings(path, warnings);
  return result;
}

/** Requirements after replacement, deduplicated, then the standard library. */
function resolvePackages(mod: GoModFile): GoModule[] {
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

