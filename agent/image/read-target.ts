/**
 * The entry point of agent/image: read a target — a container image
 * (docker save archive, OCI layout folder, OCI archive), a root filesystem
 * (folder or tar, plain or gzip) or a project folder — into an inventory of
 * packages, without extracting anything to disk.
 *
 * Errors (StellaError): NOT_FOUND, UNSUPPORTED_TARGET, TAR_CORRUPT,
 * GZIP_CORRUPT, IMAGE_INVALID, DIGEST_MISMATCH, LIMIT_EXCEEDED, USAGE. A
 * broken file inside a readable target is a warning, not an error.
 *
 * @example
 *   import { readTarget } from './read-target.js';
 *   import { builtinExtractors } from '../../core/extract/registry.js';
 *   const inventory = await readTarget('debian-node.oci.tar', {
 *     extractors: builtinExtractors,
 *     onProgress: ({ done, total, what }) => render(what, done, total),
 *   });
 *   inventory.os;        // { id: 'debian', versionId: '12', versionCodename: 'bookworm', … }
 *   inventory.packages;  // [{ type: 'deb', name: 'apt', version: '2.6.1', layer: 'sha256:ec6c…', … }, …]
 */
import { basename, resolve } from 'node:path';
import { StellaError } from '../../core/errors.js';
import type { AnyExtractor } from '../../core/extract/extractor.js';
import { detectTarget } from './detect.js';
import { readDirectory } from './dir-walk.js';
import { readDockerArchive } from './docker-archive.js';
import type { ReadTargetOptions, TargetInventory, TargetKind } from './inventory.js';
import { resolveLimits } from './limits.js';
import { readOciImage } from './oci-image.js';
import { archiveStore, layoutStore } from './oci-store.js';
import { readLayers } from './read-layers.js';
import type { ImageResult, LayersContext } from './read-layers.js';
import { Warnings } from './warnings.js';
import { readFingerprint } from './layer-cache.js';

/**
 * Reads the target at `path`. See the module comment; the result is sorted
 * and deterministic for a given input and set of extractors.
 */
export async function readTarget(path: string, options: ReadTargetOptions): Promise<TargetInventory> {
  const extractors = checkExtractors(options.extractors);
  const limits = resolveLimits(options.limits);
  const input = basename(resolve(path));
  const warnings = new Warnings(limits.maxWarnings);
  const cache = options.cache === undefined ? undefined : { store: options.cache, fingerprint: readFingerprint(extractors, limits) };
  const context: LayersContext = { input, extractors, limits, warnings, onProgress: options.onProgress, lone: false, cache, signal: options.signal };
  const target = await detectTarget(path, input, limits);
  switch (target.kind) {
    case 'docker-archive':
      return inventory(target.kind, await readDockerArchive(target.index, context), input, warnings);
    case 'oci-archive':
      return inventory(target.kind, await readOciImage(archiveStore(target.index), context, input), input, warnings);
    case 'oci-layout':
      return inventory(target.kind, await readOciImage(await layoutStore(target.dir, input), context, input), input, warnings);
    case 'rootfs-tar': {
      // No diff id is known before reading a lone tar, so it is never cached.
      const plan = { range: { file: target.file, start: 0, size: target.size }, diffId: undefined, digest: undefined, diffIdCheck: 'always', hashStored: true } as const;
      const result = await readLayers([plan], { ...context, lone: true });
      return inventory(target.kind, { name: undefined, digest: result.storedDigest ?? '', layers: result.layers, os: result.os, packages: result.packages }, input, warnings);
    }
    case 'rootfs-dir':
    case 'project-dir': {
      const result = await readDirectory(target.dir, context);
      return inventory(target.kind, { name: undefined, digest: result.digest, layers: [], os: result.os, packages: result.packages }, input, warnings);
    }
    default:
      throw new StellaError('INTERNAL', `${input}: unknown target kind ${(target as { kind: string }).kind}`);
  }
}

/** The inventory, named after the input when the target names nothing itself. */
function inventory(kind: TargetKind, result: ImageResult, input: string, warnings: Warnings): TargetInventory {
  const { name, digest, layers, os, packages } = result;
  return { kind, name: name ?? input, digest, layers, ...(os === undefined ? {} : { os }), packages, warnings: warnings.list() };
}

/** Validated once here, so the layers below can trust them (also by `readRemoteImage`). */
export function checkExtractors(extractors: unknown): readonly AnyExtractor[] {
  if (!Array.isArray(extractors)) throw new StellaError('USAGE', 'readTarget: options.extractors must be a list of extractors');
  const names = new Set<string>();
  for (const extractor of extractors as unknown[]) {
    const e = extractor as Partial<AnyExtractor> | null;
    if (e === null || typeof e !== 'object' || typeof e.name !== 'string' || typeof e.fileRequired !== 'function' || typeof e.extract !== 'function' || typeof e.maxFileSize !== 'number' || !(e.maxFileSize >= 0)) {
      throw new StellaError('USAGE', 'readTarget: each extractor needs name, maxFileSize, fileRequired and extract');
    }
    if (names.has(e.name)) throw new StellaError('USAGE', `readTarget: two extractors are named "${e.name}"`);
    names.add(e.name);
  }
  return extractors as readonly AnyExtractor[];
}
