/**
 * Resolving a reference to one image manifest: Docker v2 schema 2 and OCI
 * manifests as they are; a Docker manifest list or OCI index is narrowed to
 * the entry for the wanted platform (attestation entries skipped), fetched
 * by digest. Every manifest is bounded in size and hashed: a digest
 * reference, or an index entry, must match the bytes received.
 *
 * @example
 *   const { digest, manifest } = await resolveManifest(client, { os: 'linux', architecture: 'amd64' }, limits);
 */
import { createHash } from 'node:crypto';
import { StellaError } from '../../core/errors.js';
import type { RegistryClient } from './client.js';
import { formatPlatform, platformMatches } from './platform.js';
import type { Platform } from './platform.js';
import { readBounded } from './transport.js';

/** The manifest media types asked for (Accept), image manifests first. */
export const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

/** One image manifest and its digest. */
export interface ResolvedManifest {
  digest: string;
  manifest: Record<string, unknown>;
}

const MAX_DEPTH = 4;

/** Follows the reference (and any index) to the manifest for `platform`. */
export async function resolveManifest(client: RegistryClient, platform: Platform, maxBytes: number): Promise<ResolvedManifest> {
  const input = client.ref.input;
  let reference = client.ref.reference;
  let expected = client.ref.digest;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const response = await client.get(`manifests/${reference}`, MANIFEST_TYPES.join(', '), `manifest ${reference}`);
    const bytes = await readBounded(response, maxBytes, `manifest ${reference}`, input);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (expected !== undefined && digest !== expected) {
      throw new StellaError('DIGEST_MISMATCH', `${input}: manifest ${expected} hashes to ${digest}; the registry sent other bytes than asked for`);
    }
    const manifest = parseJson(bytes, input);
    if (manifest['schemaVersion'] === 1) throw new StellaError('UNSUPPORTED_TARGET', `${input}: Docker schema 1 manifests are not supported (re-push the image with a current client)`);
    if (!Array.isArray(manifest['manifests'])) return { digest, manifest };
    const entry = chooseEntry(manifest['manifests'], platform, input);
    reference = entry;
    expected = entry;
  }
  throw new StellaError('IMAGE_INVALID', `${input}: image indexes nested more than ${MAX_DEPTH} deep`);
}

function chooseEntry(entries: unknown[], platform: Platform, input: string): string {
  const offered: string[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) continue;
    const fields = entry as Record<string, unknown>;
    const annotations = (fields['annotations'] ?? {}) as Record<string, unknown>;
    if (annotations['vnd.docker.reference.type'] === 'attestation-manifest') continue;
    const p = fields['platform'] as Record<string, unknown> | undefined;
    if (p !== undefined) offered.push([p['os'], p['architecture'], p['variant']].filter((x) => typeof x === 'string').join('/'));
    if (platformMatches(p, platform) && typeof fields['digest'] === 'string' && /^sha256:[0-9a-f]{64}$/.test(fields['digest'])) return fields['digest'];
  }
  throw new StellaError('NOT_FOUND', `${input}: no image for platform ${formatPlatform(platform)} (the index offers ${offered.length === 0 ? 'none' : offered.join(', ')}); choose one with --platform`);
}

/** A JSON object, else IMAGE_INVALID. */
export function parseJson(bytes: Buffer, input: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new StellaError('IMAGE_INVALID', `${input}: a manifest or config is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new StellaError('IMAGE_INVALID', `${input}: a manifest or config is not a JSON object`);
  return value as Record<string, unknown>;
}
