/**
 * The `go-binary` extractor: the Go modules compiled into an ELF executable,
 * read from the build info the Go linker embeds (see `buildinfo.ts`).
 *
 * Reported, with evidence `installed`:
 * - the Go standard library as `stdlib` at the toolchain version
 *   (`go1.22.1` → `1.22.1`; a suffix after `-` or a space, such as
 *   ` X:boringcrypto`, is dropped), as osv-scanner does, so advisories
 *   against the standard library match;
 * - every `dep`, or its `=>` replacement when there is one (that is the code
 *   that was built). A replacement by a local directory has no module
 *   version to match and is dropped;
 * - the main module (`mod`) only when it carries a real version: Go 1.24+
 *   stamps VCS tags, older toolchains write `(devel)`.
 * Versions lose their leading `v`, as in `go-mod`.
 *
 * Which files: `fileRequired` sees only a path, and most executables are not
 * written in Go, so it accepts where binaries live and rejects what cannot be
 * one. A candidate is a file whose name has no `.` (no `.so`, `.sh`, `.py`,
 * dotfiles) that sits directly in a `bin` or `sbin` folder at any depth
 * (`usr/local/bin`, `opt/x/bin`, `root/go/bin`), in a `libexec` tree or a
 * `cli-plugins` folder (Docker plugins), at the root of the target (`/manager`,
 * `/server` in distroless images), or directly in a top-level `app` or
 * `ko-app` folder. Everything passed in is checked for the ELF magic and the
 * build-info magic first, so a wrong guess costs one read and no warning.
 *
 * What it reads: offered a file as a stream (`stream`, which image layers
 * and folder walks use), it keeps only the ELF header, the program headers
 * and the notes at the start; a binary carrying the Go linker's build-ID
 * note is then read whole as before, and any other executable only as far
 * as the build-info search in its first data segment (buildinfo-stream.ts).
 * So a 90 MB `node` is never held in memory. The one warning only a stream
 * gives: pre-Go-1.18 build info in a binary without the note.
 * The trade-off: a Go binary elsewhere (`srv/tool/run`) or with a dot in
 * its name (`tool-v1.2`) is missed; accepting every extension-less file would
 * read most of a root filesystem.
 *
 * @example
 *   const { packages } = goBinaryExtractor.extract({ path: 'usr/local/bin/app', contents });
 *   // [{ type: 'golang', name: 'stdlib', version: '1.22.1', evidence: 'installed', … }, …]
 */
import { prefixAndCapWarnings } from '../warnings.js';
import { StellaError } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, ExtractSink, Extractor, StreamInput, StreamOutcome } from '../extractor.js';
import { readGoBuildInfo } from './buildinfo.js';
import type { BuildInfoRead, GoBuildInfo, BinaryModule } from './buildinfo.js';
import { BuildInfoSink } from './buildinfo-stream.js';
import type { StreamedBuildInfo } from './buildinfo-stream.js';
import { isLocalPath, stripV } from './modfile.js';

/**
 * Large Go binaries (Kubernetes, cloud CLIs) reach a few hundred MiB.
 *
 * @example
 *   goBinaryExtractor.maxFileSize === GO_BINARY_MAX_FILE_SIZE; // true
 */
export const GO_BINARY_MAX_FILE_SIZE = 512 * 1024 * 1024;

const BIN_FOLDERS = new Set(['bin', 'sbin', 'cli-plugins']);
const TOP_LEVEL_APP_FOLDERS = new Set(['app', 'ko-app']);

/**
 * True for paths where a Go executable is worth looking for; see the module comment.
 *
 * @example
 *   isGoBinaryCandidate('usr/local/bin/kubectl'); // true
 *   isGoBinaryCandidate('manager');               // true
 *   isGoBinaryCandidate('usr/lib/libc.so.6');     // false
 *   isGoBinaryCandidate('usr/share/doc/README');  // false
 */
export function isGoBinaryCandidate(path: string): boolean {
  // Every path of an image is asked, so no array per path: slices around the last two slashes.
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  if (name === '' || name.includes('.')) return false;
  if (slash === -1) return true;
  const folder = path.slice(0, slash);
  const parentSlash = folder.lastIndexOf('/');
  const parent = folder.slice(parentSlash + 1);
  if (BIN_FOLDERS.has(parent)) return true;
  if (parentSlash === -1 && TOP_LEVEL_APP_FOLDERS.has(parent)) return true;
  return `/${folder}/`.includes('/libexec/');
}

/**
 * The Go binary extractor; see the module comment.
 *
 * @example
 *   goBinaryExtractor.fileRequired('usr/bin/containerd'); // true
 *   goBinaryExtractor.extract({ path: 'usr/bin/containerd', contents }).packages;
 */
export const goBinaryExtractor: Extractor = {
  name: 'go-binary',
  maxFileSize: GO_BINARY_MAX_FILE_SIZE,
  fileRequired: isGoBinaryCandidate,
  extract: extractGoBinary,
  stream: streamGoBinary,
};

function extractGoBinary({ path, contents }: ExtractInput): ExtractResult {
  return fromRead(path, readGoBuildInfo(contents));
}

function streamGoBinary({ path, size }: StreamInput): ExtractSink {
  const sink = new BuildInfoSink(size);
  return { write: (part) => sink.write(part), end: () => fromStreamed(path, sink.end()) };
}

function fromStreamed(path: string, read: StreamedBuildInfo): StreamOutcome {
  switch (read.$case) {
    case 'whole':
      return { $case: 'whole' };
    case 'unreadable':
      return { $case: 'done', result: { packages: [], warnings: [`${path}: Go build info in the pre-Go-1.18 layout, in a binary without a Go build-ID note, cannot be read when streamed; no modules reported`] } };
    default:
      return { $case: 'done', result: fromRead(path, read) };
  }
}

function fromRead(path: string, read: BuildInfoRead): ExtractResult {
  switch (read.$case) {
    case 'not-go':
      // Most candidates are C programs or scripts: not an error, nothing to say.
      return { packages: [] };
    case 'corrupt':
      return { packages: [], warnings: [`${path}: Go build info is unreadable (${read.reason}); no modules reported`] };
    case 'go':
      return toResult(path, read.info);
    default:
      throw new StellaError('INTERNAL', `${path}: unexpected build info outcome`);
  }
}

function toResult(path: string, info: GoBuildInfo): ExtractResult {
  const packages: ExtractedPackage[] = [];
  const add = (name: string, version: string): void => {
    packages.push({ type: 'golang', name, version, sourceFile: path, evidence: 'installed' });
  };
  const stdlib = toolchainVersion(info.goVersion);
  if (stdlib !== undefined) add('stdlib', stdlib);
  const main = info.main === undefined ? undefined : built(info.main);
  if (main !== undefined && main.version !== '(devel)' && main.version !== '') add(main.path, stripV(main.version));
  for (const dep of info.deps) {
    const module = built(dep);
    if (module !== undefined) add(module.path, stripV(module.version));
  }
  const warnings = [...info.problems];
  if (stdlib === undefined) warnings.push(`toolchain version "${info.goVersion.slice(0, 40)}" is not a Go release; stdlib not reported`);
  const result: ExtractResult = { packages };
  if (warnings.length > 0) result.warnings = prefixAndCapWarnings(path, warnings);
  return result;
}

/** The module whose code is in the binary: the replacement if any; undefined for a local directory. */
function built(module: BinaryModule): BinaryModule | undefined {
  const target = module.replace ?? module;
  if (module.replace !== undefined && (isLocalPath(target.path) || target.version === '' || target.version === '(devel)')) return undefined;
  return target;
}

/** `go1.22.1 X:boringcrypto` → `1.22.1`; `devel go1.23-abc…` → undefined. */
function toolchainVersion(recorded: string): string | undefined {
  const word = recorded.split(' ')[0] ?? '';
  const match = /^go(\d+(?:\.\d+)*(?:(?:rc|beta)\d+)?)(?:-|$)/.exec(word);
  return match?.[1];
}

