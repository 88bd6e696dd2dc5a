/**
 * A signed file — under `policies/`, `vex/` or `exceptions/`, or
 * `stella.yaml`, with its `<file>.jws` beside it — decides what a scan
 * reports or waives. Deleting one changes those decisions as surely as
 * editing it, so a deletion must be signed too: the new tip carries a
 * tombstone `<file>.retired`,
 *
 *   {"path":"policies/base.yaml","sha256":"<SHA-256 of the deleted bytes>","type":"stella.retired/v1"}
 *
 * with `<file>.retired.jws` signed by the `policies` role of the new tip's
 * trust root. Without it the move is refused. (The tombstone sits in the
 * same folder, so `stella verify` checks its signature like any signed file.)
 *
 * @example
 *   await deletionProblem(store, oldTip, newTip) // { path: 'policies/base.yaml', problem: 'deleted without …' }
 */
import { describeError } from '../errors.js';
import type { GitStore } from '../git/git-store.js';
import { sha256Hex } from '../sign/encoding.js';
import { verifyRoleJws } from '../verify/signed-files.js';
import { currentTrustRoot } from '../verify/trust-state.js';
import type { TreeProblem } from '../git/tree-hygiene.js';

/** Folders whose files are signed by the `policies` role, and the signed files at the root. */
export const SIGNED_FOLDERS: readonly string[] = ['policies', 'vex', 'exceptions'];
export const SIGNED_ROOT_FILES: readonly string[] = ['stella.yaml'];
export const RETIRED_SUFFIX = '.retired';
export const RETIRED_TYPE = 'stella.retired/v1';
const SIGNATURE_SUFFIX = '.jws';

/** The first signed file of `from` that `to` deletes without a signed tombstone, or undefined. */
export async function deletionProblem(store: GitStore, from: string, to: string, now: Date): Promise<TreeProblem | undefined> {
  const before = await signedFiles(store, from);
  for (const [path, oid] of before) {
    if ((await store.readFile(to, path)) !== undefined) continue;
    const problem = await tombstoneProblem(store, to, path, await sha256Hex(await store.readBlob(oid)), now);
    if (problem !== undefined) return { path, problem: `deleted without a signed tombstone: ${problem}` };
  }
  return undefined;
}

/** path → blob id of every file that has a `.jws` beside it in the signed places. */
async function signedFiles(store: GitStore, commit: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const folder of SIGNED_FOLDERS) for (const file of await store.walkFiles(commit, folder)) files.set(file.path, file.oid);
  for (const entry of await store.listFolder(commit, '')) if (entry.type === 'blob' && SIGNED_ROOT_FILES.includes(entry.path)) files.set(entry.path, entry.oid);
  const signed = new Map<string, string>();
  for (const [path, oid] of files) {
    if (path.endsWith(SIGNATURE_SUFFIX) || path.endsWith(RETIRED_SUFFIX)) continue;
    if (files.has(`${path}${SIGNATURE_SUFFIX}`)) signed.set(path, oid);
  }
  return signed;
}

async function tombstoneProblem(store: GitStore, commit: string, path: string, sha256: string, now: Date): Promise<string | undefined> {
  const tombstonePath = `${path}${RETIRED_SUFFIX}`;
  const tombstone = await store.readFile(commit, tombstonePath);
  const jws = await store.readFile(commit, `${tombstonePath}${SIGNATURE_SUFFIX}`);
  if (tombstone === undefined || jws === undefined) return `${tombstonePath} and its ${SIGNATURE_SUFFIX} are missing`;
  let claim: { type?: unknown; path?: unknown; sha256?: unknown };
  try {
    claim = JSON.parse(new TextDecoder().decode(tombstone)) as typeof claim;
  } catch (error) {
    return `${tombstonePath} is not valid JSON (${describeError(error)})`;
  }
  if (claim.type !== RETIRED_TYPE || claim.path !== path || claim.sha256 !== sha256) {
    return `${tombstonePath} does not name ${path} with the SHA-256 of the deleted bytes (${sha256.slice(0, 12)}…)`;
  }
  try {
    await verifyRoleJws(new TextDecoder().decode(jws), tombstone, await currentTrustRoot(store, commit, { now }), 'policies');
  } catch (error) {
    return `${tombstonePath}${SIGNATURE_SUFFIX}: ${describeError(error)}`;
  }
  return undefined;
}
