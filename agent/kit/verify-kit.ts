/**
 * Reading a kit and the checks on the kit itself, before any comparison
 * with the receiving repository's state: the tar (strictly, keeping only
 * the bytes that will be needed), the form of the signature file, the
 * manifest signatures against the judging trust root, and the listing —
 * every file present with its size and SHA-256, nothing unlisted.
 *
 * @example
 *   const kit = await readKit('kit.tar', currentBlobIds, DEFAULT_TAR_LIMITS);
 *   const { manifestBytes, jwsText } = kitMetadata('kit.tar', kit);
 *   const signers = await verifyManifestSignature('kit.tar', manifestBytes, jwsText, root);
 */
import { createHash } from 'node:crypto';
import { describeError, StellaError } from '../../core/errors.js';
import { base64UrlDecode, utf8Decode } from '../../core/sign/encoding.js';
import { verifyDetachedJws } from '../../core/sign/jws.js';
import { trustedKeyLookup } from '../../core/trust/lookup.js';
import type { TrustRoot } from '../../core/trust/root.js';
import { verifyRoleJws } from '../../core/verify/signed-files.js';
import { isKitMetaPath, KIT_MANIFEST_PATH, KIT_OPTIONAL_ROOT_FILES, KIT_ROOT_FILES, KIT_SIGNATURE_PATH, TRUST_PREFIX } from './layout.js';
import type { KitManifest } from './manifest.js';
import { isSignedFileInput } from './signed-check.js';
import { readTarStrict, type TarLimits } from './tar-read.js';

export interface KitContents {
  /** Every regular file of the tar: size, SHA-256 and git blob id. */
  files: Map<string, { size: number; sha256: string; oid: string }>;
  /** Bytes of the files that differ from the repository, and of those the checks read. */
  kept: Map<string, Uint8Array>;
  directories: string[];
}

/** Files the checks read whatever the repository holds: small, and needed before anything is decided. */
function checksRead(path: string): boolean {
  return isKitMetaPath(path) || KIT_ROOT_FILES.includes(path) || KIT_OPTIONAL_ROOT_FILES.includes(path) || path.startsWith(TRUST_PREFIX) || isSignedFileInput(path);
}

/**
 * Reads the kit tar; keeps the bytes of files that differ from `current`
 * (path → blob id in the repository) and of the files the checks read.
 */
export async function readKit(file: string, current: ReadonlyMap<string, string>, limits: TarLimits): Promise<KitContents> {
  const kit: KitContents = { files: new Map(), kept: new Map(), directories: [] };
  const listing = await readTarStrict(file, limits, ({ path, bytes }) => {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const oid = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    kit.files.set(path, { size: bytes.length, sha256, oid });
    if (checksRead(path) || current.get(path) !== oid) kit.kept.set(path, bytes);
  });
  kit.directories = listing.directories;
  return kit;
}

/**
 * The manifest bytes and the signature file's text, which must be one or
 * more compact detached JWS lines, each signature in canonical base64url:
 * the file is not covered by the manifest, so no byte of it may be loose.
 */
export function kitMetadata(file: string, kit: KitContents): { manifestBytes: Uint8Array; jwsText: string } {
  const manifestBytes = kit.kept.get(KIT_MANIFEST_PATH);
  if (manifestBytes === undefined) throw new StellaError('VERIFY_FAILED', `${file}: not an offline update kit (no ${KIT_MANIFEST_PATH})`);
  const jwsBytes = kit.kept.get(KIT_SIGNATURE_PATH);
  if (jwsBytes === undefined) throw new StellaError('SIGNATURE_INVALID', `${file}: ${KIT_SIGNATURE_PATH} is missing; the kit is unsigned`);
  const malformed = (): never => {
    throw new StellaError('SIGNATURE_INVALID', `${file}: ${KIT_SIGNATURE_PATH} is not compact detached JWS lines (header..signature), each ending in a newline`);
  };
  let text: string;
  try {
    text = utf8Decode(jwsBytes, KIT_SIGNATURE_PATH);
  } catch {
    return malformed();
  }
  if (!/^([A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+\n)+$/.test(text)) malformed();
  for (const line of text.slice(0, -1).split('\n')) {
    try {
      base64UrlDecode(line.slice(line.indexOf('..') + 2), 'signature');
    } catch {
      malformed();
    }
  }
  return { manifestBytes, jwsText: text };
}

/**
 * The trust anchor the (not yet verified) manifest names, read leniently:
 * it only chooses which root judges the signature, and a manifest too
 * damaged to say is judged by this repository's root — and then fails its
 * signature check, the error that fits a changed manifest.
 */
export function claimedAnchor(manifest: Uint8Array): string | undefined {
  try {
    const anchor = (JSON.parse(new TextDecoder().decode(manifest)) as { source?: { trustAnchor?: unknown } } | null)?.source?.trustAnchor;
    return typeof anchor === 'string' ? anchor : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks the manifest signatures against `root`'s feeds keys: the role's
 * threshold met, and every line valid (an extra line that does not verify
 * is a change to the kit like any other). Returns the signing key ids.
 */
export async function verifyManifestSignature(file: string, manifest: Uint8Array, jwsText: string, root: TrustRoot): Promise<string[]> {
  try {
    await verifyRoleJws(jwsText, manifest, root, 'feeds');
    const signers: string[] = [];
    for (const line of jwsText.slice(0, -1).split('\n')) signers.push((await verifyDetachedJws(line, manifest, trustedKeyLookup(root, 'feeds'))).kid);
    return signers;
  } catch (error) {
    throw new StellaError('SIGNATURE_INVALID', `${file}: ${KIT_SIGNATURE_PATH}: ${describeError(error)}`, { cause: error });
  }
}

/** Every listed file present with its size and digest; nothing else, not even an empty folder. */
export function checkListing(file: string, manifest: KitManifest, kit: KitContents): void {
  const listed = new Set<string>([KIT_MANIFEST_PATH, KIT_SIGNATURE_PATH]);
  for (const entry of manifest.files) {
    listed.add(entry.path);
    const actual = kit.files.get(entry.path);
    if (actual === undefined) throw new StellaError('VERIFY_FAILED', `${file}: '${entry.path}' is listed in the signed manifest but missing from the kit`);
    if (actual.size !== entry.size || actual.sha256 !== entry.sha256) {
      throw new StellaError(
        'DIGEST_MISMATCH',
        `${file}: '${entry.path}' has SHA-256 ${actual.sha256.slice(0, 12)}… (${actual.size} bytes), the signed manifest says ${entry.sha256.slice(0, 12)}… (${entry.size} bytes); the kit was altered or damaged`,
      );
    }
  }
  for (const path of kit.files.keys()) {
    if (!listed.has(path)) throw new StellaError('VERIFY_FAILED', `${file}: '${path}' is not listed in the signed manifest`);
  }
  const folders = new Set<string>();
  for (const path of listed) for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) folders.add(path.slice(0, i));
  for (const folder of kit.directories) {
    if (!folders.has(folder)) throw new StellaError('VERIFY_FAILED', `${file}: directory '${folder}' holds nothing the signed manifest lists`);
  }
}
