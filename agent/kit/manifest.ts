/**
 * `kit/manifest.json`: what an Offline Update Kit holds and where it came
 * from. Canonical sorted JSON (the same kit gives the same bytes), signed as
 * a detached JWS in `kit/manifest.json.jws` by a key with the `feeds` role.
 *
 *   {
 *     "files": [{ "path": "feeds/osv/manifest.json", "sha256": "…", "size": 1234 }, …],
 *     "format": 1,
 *     "source": { "commit": "<40 hex>", "committed": "2025-01-31T12:00:00.000Z", "ref": "main", "sequence": 42,
 *                 "trustAnchor": "<64 hex>" },
 *     "type": "stella.kit-manifest"
 *   }
 *
 * `sequence` is the number of commits on the first-parent history of the
 * source commit: it grows with every commit to the source's main, so a
 * receiver can refuse a kit older than the last one it applied.
 * `trustAnchor` names the mesh: the SHA-256 of the canonical `signed` of
 * the version-1 trust root the source's chain starts from (see trust.ts).
 *
 * @example
 *   const bytes = encodeKitManifest(buildKitManifest(source, files));
 *   const again = parseKitManifest(bytes, 'kit.tar: kit/manifest.json');
 */
import { parseUntrustedJson } from '../../core/json/untrusted.js';
import { StellaError } from '../../core/errors.js';
import { sortedJson } from '../../core/json/sorted.js';
import { utf8Decode } from '../../core/sign/encoding.js';
import { comparePaths, isKitContentPath, KIT_ROOT_FILES, pathProblem } from './layout.js';

export const KIT_MANIFEST_TYPE = 'stella.kit-manifest';
/** Bumped when a reader of the previous format could misread a kit. */
export const KIT_FORMAT = 1;

export interface KitFile {
  path: string;
  size: number;
  sha256: string;
}

export interface KitSource {
  /** The commit the kit's files were taken from. */
  commit: string;
  /** The ref the exporter named (`main` unless `--ref` said otherwise). */
  ref: string;
  /** Commits on the first-parent history of `commit`, `commit` included. */
  sequence: number;
  /** The committer time of `commit`, ISO 8601 UTC. */
  committed: string;
  /** SHA-256 (hex) of the canonical `signed` of the source's version-1 trust root. */
  trustAnchor: string;
}

export interface KitManifest {
  type: typeof KIT_MANIFEST_TYPE;
  format: typeof KIT_FORMAT;
  source: KitSource;
  /** Sorted by path, each path once. */
  files: KitFile[];
}

/**
 * A manifest with its files in kit order.
 * @example buildKitManifest({ commit, ref: 'main', sequence: 7, committed }, [{ path: 'stella.yaml', size: 12, sha256 }])
 */
export function buildKitManifest(source: KitSource, files: readonly KitFile[]): KitManifest {
  const sorted = [...files].sort((a, b) => comparePaths(a.path, b.path));
  return { type: KIT_MANIFEST_TYPE, format: KIT_FORMAT, source: { ...source }, files: sorted.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })) };
}

/**
 * The manifest's file bytes: sorted keys, two-space indent, final newline.
 * @example new TextDecoder().decode(encodeKitManifest(manifest)).startsWith('{\n  "files": [') // true
 */
export function encodeKitManifest(manifest: KitManifest): Uint8Array {
  return new TextEncoder().encode(sortedJson(manifest));
}

const HEX40 = /^[0-9a-f]{40}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Parses and checks a kit manifest: every field present and well-typed,
 * files sorted and unique, every path one a kit may carry. Throws
 * JSON_INVALID or VERIFY_FAILED naming `where`.
 * @example const manifest = parseKitManifest(bytes, 'kit.tar: kit/manifest.json');
 */
export function parseKitManifest(bytes: Uint8Array, where: string): KitManifest {
  let value: unknown;
  try {
    value = parseUntrustedJson(where, utf8Decode(bytes, where));
  } catch (error) {
    throw new StellaError('JSON_INVALID', `${where}: not valid JSON (${(error as Error).message})`);
  }
  const fail = (problem: string): never => {
    throw new StellaError('VERIFY_FAILED', `${where}: ${problem}`);
  };
  const m = asObject(value) ?? fail('expected a JSON object');
  if (m['type'] !== KIT_MANIFEST_TYPE) fail(`type is ${JSON.stringify(m['type'])}, not "${KIT_MANIFEST_TYPE}"`);
  if (typeof m['format'] === 'number' && m['format'] > KIT_FORMAT) fail(`kit format ${m['format']} is newer than this stella reads (${KIT_FORMAT}); upgrade stella`);
  if (m['format'] !== KIT_FORMAT) fail(`unsupported kit format ${JSON.stringify(m['format'])} (expected ${KIT_FORMAT})`);
  const source = parseSource(m['source'], fail);
  if (!Array.isArray(m['files'])) return fail('"files" must be a list');
  const files = m['files'].map((entry: unknown, index): KitFile => parseFile(entry, index, fail));
  for (let i = 1; i < files.length; i++) {
    const previous = (files[i - 1] as KitFile).path;
    const path = (files[i] as KitFile).path;
    if (!(previous < path)) fail(`files[${i}] '${path}' is ${previous === path ? 'listed twice' : 'out of order'}`);
  }
  for (const required of KIT_ROOT_FILES) if (!files.some((f) => f.path === required)) fail(`lists no ${required}; a kit always carries it`);
  return { type: KIT_MANIFEST_TYPE, format: KIT_FORMAT, source, files };
}

function parseSource(value: unknown, fail: (problem: string) => never): KitSource {
  const s = asObject(value) ?? fail('"source" must be an object');
  const { commit, ref, sequence, committed, trustAnchor } = s;
  if (typeof commit !== 'string' || !HEX40.test(commit)) fail('source.commit must be a 40-digit commit id');
  if (typeof ref !== 'string' || ref === '') fail('source.ref must be a ref name');
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 1) fail('source.sequence must be a positive integer');
  if (typeof committed !== 'string' || Number.isNaN(Date.parse(committed))) fail('source.committed must be an ISO 8601 time');
  if (typeof trustAnchor !== 'string' || !HEX64.test(trustAnchor)) fail('source.trustAnchor must be 64 lowercase hex digits');
  return { commit: commit as string, ref: ref as string, sequence: sequence as number, committed: committed as string, trustAnchor: trustAnchor as string };
}

function parseFile(value: unknown, index: number, fail: (problem: string) => never): KitFile {
  const f = asObject(value) ?? fail(`files[${index}] is not an object`);
  const { path, size, sha256 } = f;
  if (typeof path !== 'string') return fail(`files[${index}].path must be a string`);
  const problem = pathProblem(path);
  if (problem !== undefined) fail(`files[${index}].path ${JSON.stringify(path)} ${problem}`);
  if (!isKitContentPath(path)) fail(`files[${index}].path ${JSON.stringify(path)} is outside what a kit carries`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) fail(`files[${index}].size must be a non-negative integer`);
  if (typeof sha256 !== 'string' || !HEX64.test(sha256)) fail(`files[${index}].sha256 must be 64 lowercase hex digits`);
  return { path, size: size as number, sha256: sha256 as string };
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
