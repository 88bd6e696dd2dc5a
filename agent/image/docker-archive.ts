/**
 * `docker save` archives: `manifest.json` names the config and the layer
 * tars (members `<id>/layer.tar`, `<diffid>.tar` or `blobs/sha256/<hex>`,
 * depending on the docker version). Layers are streamed from their member
 * ranges in manifest order; each is checked against the config's diff id,
 * the config against the digest in its name. The image digest is the
 * config's (docker's image ID).
 *
 * @example
 *   const inventory = await readDockerArchive(index, 'app.tar', context);
 */
import { StellaError } from '../../core/errors.js';
import { readRange, sha256Digest } from './byte-range.js';
import { digestList, isObject, jsonArray, jsonObject } from './image-json.js';
import { normalisePath } from './entry-path.js';
import { readLayers } from './read-layers.js';
import type { ImageResult, LayerPlan, LayersContext } from './read-layers.js';
import type { ArchiveIndex, ArchiveMember } from './tar-index.js';
import { printable } from './warnings.js';
import { readThroughImageCache } from './image-cache.js';

const HEX_NAME = /(?:^|\/)(?:sha256[:/])?([0-9a-f]{64})(?:\.json)?$/;

/** Reads the first image of an indexed `docker save` archive. */
export async function readDockerArchive(index: ArchiveIndex, context: LayersContext): Promise<ImageResult> {
  const { input, limits } = context;
  const manifest = await readEntry(index, 'manifest.json', context);
  const images = jsonArray(manifest, 'manifest.json', input);
  const image = images[0];
  if (!isObject(image)) throw new StellaError('IMAGE_INVALID', `${input}: manifest.json lists no image`);
  if (images.length > 1) context.warnings.add(`manifest.json lists ${images.length} images; only the first is read`);
  const configName = image['Config'];
  const layerNames = image['Layers'];
  if (typeof configName !== 'string') throw new StellaError('IMAGE_INVALID', `${input}: manifest.json: "Config" is not a string`);
  if (!Array.isArray(layerNames) || !layerNames.every((n): n is string => typeof n === 'string')) {
    throw new StellaError('IMAGE_INVALID', `${input}: manifest.json: "Layers" is not a list of member names`);
  }
  if (layerNames.length > limits.maxLayers) {
    throw new StellaError('LIMIT_EXCEEDED', `${input}: manifest.json lists ${layerNames.length} layers, more than the limit of ${limits.maxLayers}`);
  }
  const configBytes = await readEntry(index, configName, context);
  const configDigest = sha256Digest(configBytes);
  const named = HEX_NAME.exec(configName)?.[1];
  if (named !== undefined && `sha256:${named}` !== configDigest) {
    throw new StellaError('DIGEST_MISMATCH', `${input}: config ${printable(configName)} hashes to ${configDigest}, not to the digest in its name`);
  }
  const diffIds = digestList(jsonObject(configBytes, `image config ${configName}`, input), ['rootfs', 'diff_ids'], 'image config', input);
  if (diffIds.length !== layerNames.length) {
    throw new StellaError('IMAGE_INVALID', `${input}: manifest.json lists ${layerNames.length} layers but the config has ${diffIds.length} diff ids`);
  }
  // Every layer is located before any is read: a missing one fails fast.
  const plans: LayerPlan[] = layerNames.map((name, i) => {
    const member = lookup(index, name, `layer ${name} referenced by manifest.json`, input);
    return { range: { file: index.file, start: member.start, size: member.size }, diffId: diffIds[i], digest: undefined, diffIdCheck: 'always' };
  });
  // Docker's image id (the config digest) keys the image record.
  const result = await readThroughImageCache(context, configDigest, () => readLayers(plans, context));
  const tags = image['RepoTags'];
  const name = Array.isArray(tags) && typeof tags[0] === 'string' ? tags[0] : undefined;
  return { name, digest: configDigest, layers: result.layers, packages: result.packages, os: result.os };
}

function lookup(index: ArchiveIndex, name: string, label: string, input: string): ArchiveMember {
  const normal = normalisePath(name);
  const member = normal === undefined ? undefined : index.members.get(normal);
  if (member === undefined) {
    const why = index.overflow ? ` (the archive has more than ${index.members.size} members; not all were indexed)` : '';
    throw new StellaError('IMAGE_INVALID', `${input}: ${printable(label)} not found${why}`);
  }
  return member;
}

async function readEntry(index: ArchiveIndex, name: string, context: LayersContext): Promise<Buffer> {
  const member = lookup(index, name, name, context.input);
  return readRange({ file: index.file, start: member.start, size: member.size }, name, context.limits.maxMetadataBytes, context.input);
}
