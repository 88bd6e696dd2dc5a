/**
 * Files signed by a role of the trust ref's current root, each with a
 * detached JWS beside it (`<file>.jws`, one compact JWS per line, `kid` =
 * key id). Which paths need which role:
 *
 * | path | role |
 * |---|---|
 * | `feeds/<feed>/manifest.json` (see `feed-files.ts`) | `feeds` |
 * | every file under `policies/`, `vex/`, `exceptions/`, and `stella.yaml` | `policies` |
 *
 * README.md files are documentation and need no signature; a `.jws` whose
 * file is missing fails. A role with threshold N needs N lines signed by N
 * distinct keys of the role.
 *
 * @example
 *   await verifySignedFiles(store, tip, 'pr', trust, result, seen);
 */
import { describeError, StellaError } from '../errors.js';
import { verifyDetachedJws } from '../sign/jws.js';
import type { GitStore } from '../git/git-store.js';
import { roleThreshold, trustedKeyLookup } from '../trust/lookup.js';
import type { TrustRoot } from '../trust/root.js';
import type { TrustState } from './trust-state.js';
import type { VerifyResult } from './types.js';

/** The suffix of a detached signature file beside the file it signs. */
export const SIGNATURE_SUFFIX = '.jws';
/** Folders whose every file (README.md aside) the `policies` role signs. */
export const POLICY_SIGNED_FOLDERS: readonly string[] = ['exceptions', 'policies', 'vex'];
/** Files at the repository root the `policies` role signs. */
export const POLICY_SIGNED_ROOT_FILES: readonly string[] = ['stella.yaml'];

/**
 * Checks that `jwsText` holds signatures over `payload` by a threshold of
 * `role`'s keys in `root`. Throws SIGNATURE_INVALID saying what is missing.
 * @example await verifyRoleJws(jwsText, manifestBytes, root, 'feeds');
 */
export async function verifyRoleJws(jwsText: string, payload: Uint8Array, root: TrustRoot, role: 'feeds' | 'policies'): Promise<void> {
  const lines = jwsText.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const version = root.signed.version;
  if (lines.length === 0) throw new StellaError('SIGNATURE_INVALID', 'the signature file holds no JWS');
  const trusted = trustedKeyLookup(root, role);
  const valid = new Set<string>();
  let firstProblem: unknown;
  for (const line of lines) {
    let untrusted: string | undefined;
    const lookup = (kid: string): string | undefined => {
      const pem = trusted(kid);
      if (pem === undefined) untrusted = kid;
      return pem;
    };
    try {
      valid.add((await verifyDetachedJws(line, payload, lookup)).kid);
    } catch (error) {
      firstProblem ??=
        untrusted === undefined ? error : new StellaError('SIGNATURE_INVALID', `signed by key ${untrusted.slice(0, 12)}…, which does not hold the ${role} role in trust root version ${version}`);
    }
  }
  const threshold = roleThreshold(root, role);
  if (valid.size >= threshold) return;
  if (valid.size === 0) throw firstProblem;
  throw new StellaError('SIGNATURE_INVALID', `${valid.size} valid ${role} signature${valid.size === 1 ? '' : 's'}, but trust root version ${version} requires ${threshold}`);
}

/**
 * The role that must sign `path` (a file, not its `.jws`), or undefined when
 * none does (feed data is covered by its manifest instead; README.md by nothing).
 * @example signingRole('vex/app.openvex.json') // 'policies'
 */
export function signingRole(path: string): 'policies' | undefined {
  if (POLICY_SIGNED_ROOT_FILES.includes(path)) return 'policies';
  const parts = path.split('/');
  if (parts.length < 2 || parts.at(-1) === 'README.md') return undefined;
  return POLICY_SIGNED_FOLDERS.includes(parts[0] as string) ? 'policies' : undefined;
}

/**
 * Every file the `policies` role signs (`policies/`, `vex/`, `exceptions/`,
 * `stella.yaml`), against its `.jws`. `seen` skips a file and signature
 * already judged on another branch (the same bytes give the same answer).
 * @example await verifySignedFiles(store, mainTip, 'main', trust, result, new Set());
 */
export async function verifySignedFiles(store: GitStore, commit: string, branch: string, trust: TrustState, result: VerifyResult, seen: Set<string>): Promise<void> {
  const files = (await Promise.all(POLICY_SIGNED_FOLDERS.map((folder) => store.walkFiles(commit, folder)))).flat();
  for (const path of POLICY_SIGNED_ROOT_FILES) {
    for (const candidate of [path, `${path}${SIGNATURE_SUFFIX}`]) {
      const entry = (await store.listFolder(commit, '')).find((e) => e.path === candidate && e.type === 'blob');
      if (entry !== undefined) files.push({ path: candidate, oid: entry.oid });
    }
  }
  const oids = new Map(files.map((f) => [f.path, f.oid]));
  for (const file of files) {
    const where = `${branch}:${file.path}`;
    if (file.path.endsWith(SIGNATURE_SUFFIX)) {
      if (!oids.has(file.path.slice(0, -SIGNATURE_SUFFIX.length))) result.failures.push({ where, reason: 'signature of a file that is not there' });
      continue;
    }
    const role = signingRole(file.path);
    if (role === undefined) continue;
    const jwsOid = oids.get(`${file.path}${SIGNATURE_SUFFIX}`);
    const key = `${file.path}:${file.oid}:${jwsOid ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (file.path.startsWith('policies/')) result.policies += 1;
    else result.signedFiles += 1;
    if (trust.expired !== undefined) {
      result.failures.push({ where, reason: trust.expired });
      continue;
    }
    if (jwsOid === undefined) {
      result.failures.push({ where, reason: `unsigned: ${file.path.split('/').at(-1) as string}${SIGNATURE_SUFFIX} is missing` });
      continue;
    }
    try {
      await verifyRoleJws(new TextDecoder().decode(await store.readBlob(jwsOid)), await store.readBlob(file.oid), trust.current, role);
    } catch (error) {
      result.failures.push({ where, reason: describeError(error) });
    }
  }
}
