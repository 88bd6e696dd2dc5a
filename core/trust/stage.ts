/**
 * Proposing and signing the next trust root version. A change is staged in
 * `trust/root.pending.json` (version = current + 1) and collects root-key
 * signatures there; the moment it has a threshold of the current version's
 * root keys and of its own, it replaces `trust/root.json` and the pending
 * file is deleted. Each step is one commit, so it can be reviewed as a
 * pull request.
 *
 * Editing a pending version that already has signatures drops them: they
 * were given for other content.
 *
 * @example
 *   const staged = await stageRoot({ current, pending, edits: [{ $case: 'enroll', node: 'edge-2', publicKey }], signer, expires });
 *   await store.commit({ branch: 'main', changes: staged.changes, message: staged.summary, author });
 */
import { StellaError } from '../errors.js';
import type { SigningKey } from '../sign/keys.js';
import { applyEdits, describeEdit, type TrustEdit } from './edit.js';
import { formatRoot, KEY_ALGORITHM, normalizeSigned, parseRoot, PENDING_ROOT_PATH, ROOT_PATH, ROOT_TYPE, signedBytes, type TrustRoot } from './root.js';
import { checkKeyIds, rootThresholds, signRoot, thresholdMet, type ThresholdCheck } from './rules.js';

export interface StageRequest {
  /** `trust/root.json` of the branch being changed. */
  current: TrustRoot;
  /** `trust/root.pending.json` of that branch, if any. A stale one (not current + 1) is replaced. */
  pending: TrustRoot | undefined;
  /** Changes to make; none means "add my signature to the pending version". */
  edits: readonly TrustEdit[];
  /** This clone's key; it signs when it is a root key of the current or the next version. */
  signer: SigningKey | undefined;
  /** Expiry (RFC 3339 UTC) of the next version when `edits` are made. */
  expires?: string | undefined;
}

export interface StagedRoot {
  /** The next version with the signatures that count. */
  root: TrustRoot;
  /** Current version's root threshold, then the next version's own. */
  checks: ThresholdCheck[];
  /** True when the thresholds are met and `root` replaces trust/root.json. */
  complete: boolean;
  /** Whether `signer`'s signature counts toward a threshold. */
  signerCounts: boolean;
  /** Files to commit: trust/root.json and/or trust/root.pending.json (null = delete). */
  changes: Map<string, Uint8Array | null>;
  /** One line for the commit message. */
  summary: string;
}

/**
 * Applies `edits` to the pending version (or a fresh current + 1), signs it
 * with `signer` when that counts, and says which files to write.
 * Throws USAGE when there is nothing to do or the result would be invalid.
 * @example const { complete, checks } = await stageRoot({ current, pending, edits: [], signer });
 */
export async function stageRoot(request: StageRequest): Promise<StagedRoot> {
  const { current, signer } = request;
  const version = current.signed.version + 1;
  const pending = request.pending?.signed.version === version ? request.pending : undefined;
  if (pending === undefined && request.edits.length === 0) {
    throw new StellaError('USAGE', `${PENDING_ROOT_PATH}: no version ${version} is pending; stage one with \`stella trust enroll|revoke|rotate|renew\``);
  }
  const base = pending ?? { signed: { ...current.signed, version }, signatures: [] };
  let signed = normalizeSigned(await applyEdits(base.signed, request.edits));
  if (request.edits.length > 0) {
    if (request.expires === undefined) throw new StellaError('USAGE', 'a new trust root version needs an expiry');
    signed = { ...signed, expires: request.expires };
  }
  const changedContent = !sameBytes(signedBytes(signed), signedBytes(base.signed));
  let root: TrustRoot = { signed, signatures: changedContent ? [] : base.signatures };
  // Round trip through the parser: the same structural checks verify will make.
  root = parseRoot(formatRoot(root), PENDING_ROOT_PATH);
  await checkKeyIds(root.signed, PENDING_ROOT_PATH);

  const rootKeys = new Set([...current.signed.roles.root.keyids, ...root.signed.roles.root.keyids]);
  const signerCounts = signer !== undefined && rootKeys.has(signer.keyId);
  if (signer !== undefined && signerCounts) {
    root = { signed: root.signed, signatures: [...root.signatures.filter((s) => s.keyid !== signer.keyId), await signRoot(root.signed, signer)] };
  } else if (request.edits.length === 0) {
    throw new StellaError(
      'USAGE',
      signer === undefined
        ? 'no signing key to sign with: this clone has none configured; name one with --as KEYID'
        : `key ${signer.keyId.slice(0, 12)}… is not a root key of version ${current.signed.version} or ${version}; its signature would not count`,
    );
  }
  const checks = await rootThresholds(current.signed, root);
  // Keep only signatures that count: stale or foreign ones would only confuse reviewers.
  const counting = new Set(checks.flatMap((c) => c.signed));
  root = { signed: root.signed, signatures: root.signatures.filter((s) => counting.has(s.keyid)) };
  const complete = checks.every(thresholdMet);
  const changes = new Map<string, Uint8Array | null>(
    complete ? [[ROOT_PATH, formatRoot(root)], [PENDING_ROOT_PATH, null]] : [[PENDING_ROOT_PATH, formatRoot(root)]],
  );
  const what = request.edits.length === 0 ? `sign trust root version ${version}` : `trust root version ${version}: ${request.edits.map(describeEdit).join('; ')}`;
  return { root, checks, complete, signerCounts, changes, summary: `${what}${complete ? ' (in effect)' : ' (pending more root signatures)'}` };
}

/**
 * Version 1 of a new repository's root: `key` is the root, feeds and
 * policies key (threshold 1) and signs reports for `node`.
 * @example const root = await initialRoot({ key, node: 'edge-1', expires: rfc3339(inOneYear) });
 */
export async function initialRoot(options: { key: SigningKey; node: string; expires: string }): Promise<TrustRoot> {
  const id = options.key.keyId;
  const role = { keyids: [id], threshold: 1 };
  const signed = normalizeSigned({
    type: ROOT_TYPE,
    version: 1,
    expires: options.expires,
    keys: { [id]: { algorithm: KEY_ALGORITHM, publicKey: options.key.publicKeyPem } },
    roles: { root: role, feeds: role, policies: role },
    nodes: { [options.node]: { keyids: [id] } },
  });
  const root = parseRoot(formatRoot({ signed, signatures: [await signRoot(signed, options.key)] }), ROOT_PATH);
  await checkKeyIds(root.signed, ROOT_PATH);
  return root;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
