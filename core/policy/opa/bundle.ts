/**
 * Reads an OPA bundle (`bundle.tar.gz`, as `opa build -t wasm` writes it)
 * into the three files a wasm policy needs: the module, `data.json` and
 * `.manifest`. The tar is read by the project's one tar reader in strict
 * mode (regular files and directories only, POSIX ustar); names are taken
 * with or without OPA's leading `/`.
 *
 * What a pack may hold: `/.manifest` (required: it says which module serves
 * which entrypoint), the module(s) it names (`/policy.wasm` when it names
 * none), `/data.json` (optional, an object), Rego sources and
 * `/.signatures.json` (both ignored: the state repository verifies packs by
 * its `policies` role). Anything else is refused by name rather than
 * silently left out of the evaluation.
 *
 * @example
 *   const bundle = await readOpaBundle(bytes, 'policies/team.tar.gz', limits);
 *   bundle.wasm; // the module serving stella/decision
 */
import { StellaError } from '../../errors.js';
import type { TarEntry } from '../../archive/tar/entry.js';
import { TarParser } from '../../archive/tar/parser.js';
import { utf8Decode } from '../../sign/encoding.js';
import { gunzipBounded } from './gunzip.js';
import { formatSize, type OpaLimits } from './limits.js';

/** The entrypoint every Stella policy must provide. */
export const STELLA_ENTRYPOINT = 'stella/decision';

/** The files of a pack that evaluation uses. */
export interface OpaBundle {
  /** The module serving `stella/decision`. */
  wasm: Uint8Array;
  /** Its path in the pack, for messages (`policy.wasm`). */
  modulePath: string;
  /** `data.json` as JSON text (`{}` when the pack has none). */
  data: Uint8Array;
}

const MAX_PATH_BYTES = 1024;
const MAX_FILES = 1000;

/** Reads `pack` (gzip-compressed tar) under `limits`; refusals name `where` and the problem. */
export async function readOpaBundle(pack: Uint8Array, where: string, limits: OpaLimits): Promise<OpaBundle> {
  if (pack.length > limits.maxPackBytes) {
    throw new StellaError('LIMIT_EXCEEDED', `${where}: is ${pack.length} bytes, over the limit of ${formatSize(limits.maxPackBytes)} for a policy pack`);
  }
  const files = readTarFiles(await gunzipBounded(pack, limits.maxUnpackedBytes, where), where);
  const modulePath = moduleFor(readManifest(files, where), where);
  const wasm = files.get(modulePath);
  if (wasm === undefined) throw invalid(where, `has no ${modulePath} (the module its manifest names for ${STELLA_ENTRYPOINT})`);
  if (wasm.length > limits.maxModuleBytes) {
    throw new StellaError('LIMIT_EXCEEDED', `${where}: ${modulePath} is ${wasm.length} bytes, over the limit of ${formatSize(limits.maxModuleBytes)}`);
  }
  const data = files.get('data.json') ?? new TextEncoder().encode('{}');
  if (data.length > limits.maxDataBytes) {
    throw new StellaError('LIMIT_EXCEEDED', `${where}: data.json is ${data.length} bytes, over the limit of ${formatSize(limits.maxDataBytes)}`);
  }
  if (!isJsonObject(parseJson(data, `${where}: data.json`))) throw invalid(where, 'data.json is not a JSON object');
  return { wasm, modulePath, data };
}

/** Regular files by normalised path; refuses unknown, nested-data and duplicate files. */
function readTarFiles(tar: Uint8Array, where: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const parser = new TarParser(
    {
      entry(entry: TarEntry): boolean {
        if (entry.type === 'directory') return false;
        const path = normalise(entry.name ?? '', where);
        if (files.has(path)) throw invalid(where, `holds ${path} twice`);
        if (files.size >= MAX_FILES) throw new StellaError('LIMIT_EXCEEDED', `${where}: holds more than ${MAX_FILES} files`);
        checkAllowed(path, where);
        files.set(path, new Uint8Array(0));
        return true;
      },
      contents(entry: TarEntry, data: Uint8Array): void {
        files.set(normalise(entry.name ?? '', where), data);
      },
    },
    { where, maxHeaderBytes: 64 * 1024, maxPathBytes: MAX_PATH_BYTES, strict: true },
  );
  parser.write(tar);
  parser.end();
  return files;
}

/** `/policy.wasm`, `./policy.wasm` and `policy.wasm` are one path; `..` and empty segments are refused. */
function normalise(name: string, where: string): string {
  const path = name.replace(/^\.?\//, '');
  if (path.split('/').some((part) => part === '' || part === '.' || part === '..')) throw invalid(where, `has an unsafe path '${JSON.stringify(name).slice(1, -1)}'`);
  return path;
}

function checkAllowed(path: string, where: string): void {
  if (path === '.manifest' || path === 'data.json' || path === '.signatures.json') return;
  if (path.endsWith('.wasm') || path.endsWith('.rego')) return;
  if (/(^|\/)data\.(json|yaml|yml)$/.test(path)) throw invalid(where, `holds ${path}: data below the root is not supported, put it all in /data.json`);
  throw invalid(where, `holds ${path}, which is not part of a wasm policy bundle (.manifest, data.json, *.wasm, *.rego)`);
}

interface ManifestModule {
  entrypoint: string;
  module: string;
}

function readManifest(files: Map<string, Uint8Array>, where: string): ManifestModule[] | undefined {
  const bytes = files.get('.manifest');
  if (bytes === undefined) throw invalid(where, 'has no .manifest (build it with `opa build -t wasm -e stella/decision`)');
  const manifest = parseJson(bytes, `${where}: .manifest`);
  if (!isJsonObject(manifest)) throw invalid(where, '.manifest is not a JSON object');
  const wasm = manifest['wasm'];
  if (wasm === undefined) return undefined;
  if (!Array.isArray(wasm) || !wasm.every((m) => isJsonObject(m) && typeof m['entrypoint'] === 'string' && typeof m['module'] === 'string')) {
    throw invalid(where, '.manifest: "wasm" must be a list of {"entrypoint", "module"}');
  }
  return wasm as ManifestModule[];
}

function moduleFor(modules: ManifestModule[] | undefined, where: string): string {
  if (modules === undefined) return 'policy.wasm';
  const entry = modules.find((m) => m.entrypoint === STELLA_ENTRYPOINT);
  if (entry === undefined) {
    const named = modules.map((m) => m.entrypoint).join(', ') || 'none';
    throw invalid(where, `.manifest names no module for the entrypoint ${STELLA_ENTRYPOINT} (it names: ${named})`);
  }
  return normalise(entry.module, where);
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  const text = utf8Decode(bytes, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new StellaError('POLICY_INVALID', `${what} is not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(where: string, problem: string): StellaError {
  return new StellaError('POLICY_INVALID', `${where}: ${problem}`);
}
