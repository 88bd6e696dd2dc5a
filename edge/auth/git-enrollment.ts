/**
 * The enrollment as a reviewable change of the state repository: the edge
 * fetches main, stages the next trust root version adding the node's key
 * (`core/trust/stage.ts`, exactly what `stella trust enroll` and `stella
 * node join` stage, with no signature: the edge holds no root key), commits
 * it on `enroll/<node>` from main and pushes that branch. It takes effect
 * once a threshold of root keys signs it (`stella trust sign`) and people
 * merge it. A re-enrollment replaces the branch with a fresh proposal on
 * today's main.
 *
 * Without GIT_REMOTE_URL the enrollment is recorded in KV only.
 *
 * @example app.route('/', authorityRoutes({ propose: gitEnrollmentProposer }));
 */
import { StellaError } from '../../core/errors.js';
import type { GitStore } from '../../core/git/git-store.js';
import { trustedKeyIds } from '../../core/trust/lookup.js';
import { parseRoot, PENDING_ROOT_PATH, rfc3339, ROOT_PATH, type TrustRoot } from '../../core/trust/root.js';
import { stageRoot } from '../../core/trust/stage.js';
import { fetchBranch, pushBranch, stateRemote } from '../git/branch-copy.js';
import { ProblemError } from '../problem.js';
import { enrollBranch, kvRecordProposer, reportKeyOf, saveEnrollmentRecord, type EnrollmentProposal, type EnrollmentProposer } from './enrollment.js';

const MAIN = 'main';
/** Who the edge commits as. */
export const EDGE_IDENTITY = { name: 'Stella edge', email: 'edge@stella.invalid' };
/** Expiry of a staged root version, as `stella trust enroll` sets it. */
const ROOT_VALID_DAYS = 365;

/**
 * Commits the pending trust root that enrolls the node's key on `enroll/<node>` and pushes it; KV only without a remote.
 * When the state repository cannot be read or written, or another writer moved the branch first, the enrollment is
 * kept in KV (`status: recorded`, with a `note` saying why).
 * @example const proposal = await gitEnrollmentProposer(env, { node: 'edge-2', jwk });
 */
export const gitEnrollmentProposer: EnrollmentProposer = async (env, request) => {
  if (stateRemote(env) === undefined) return kvRecordProposer(env, request);
  try {
    return await commitProposal(env, request);
  } catch (error) {
    // The token is spent and the key registered by now: answering an error would strand the node. Keep the
    // enrollment in KV with the reason, for the operator to enroll by hand (stella trust enroll).
    if (!(error instanceof ProblemError) || (error.status !== 502 && error.status !== 409)) throw error;
    const recorded = await kvRecordProposer(env, request);
    const note = `${error.title}: ${error.detail}`;
    const key = await reportKeyOf(request.jwk);
    await saveEnrollmentRecord(env.STELLA_KV, { ...recorded, note, node: request.node, publicKeyPem: key.publicKeyPem, at: new Date().toISOString() });
    console.log(JSON.stringify({ level: 'error', event: 'enrollment-not-committed', node: request.node, detail: note }));
    return { ...recorded, note };
  }
};

const commitProposal: EnrollmentProposer = async (env, request) => {
  const remote = stateRemote(env);
  if (remote === undefined) return kvRecordProposer(env, request);
  const key = await reportKeyOf(request.jwk);
  const branch = enrollBranch(request.node);
  const copy = await fetchBranch(remote, MAIN);
  const { current, pending } = await readRoots(copy.store, copy.tip);
  let proposal: EnrollmentProposal;
  if (trustedKeyIds(current, 'reports', request.node).includes(key.keyId)) {
    proposal = { status: 'recorded', keyId: key.keyId, branch };
  } else {
    const now = new Date();
    const staged = await stageRoot({
      current,
      pending,
      edits: [{ $case: 'enroll', node: request.node, publicKey: key.publicKeyPem }],
      signer: undefined,
      expires: rfc3339(new Date(now.getTime() + ROOT_VALID_DAYS * 86_400_000)),
    });
    await copy.store.commit({
      branch,
      parent: copy.tip,
      changes: staged.changes,
      message: `${staged.summary}\n\nProposed by the edge when node ${request.node} enrolled (stella agent enroll); key ${key.keyId}.\n`,
      author: EDGE_IDENTITY,
    });
    const outcome = await pushBranch(remote, copy.store, { branch, base: copy.tip, expected: copy.refs.get(`refs/heads/${branch}`) });
    if (outcome.status === 'rejected') {
      throw new ProblemError(409, 'state-repository-conflict', 'State repository changed', `${branch} moved while the enrollment was written (${outcome.reason}); the key is registered: ask the operator to enroll it by hand`);
    }
    proposal = { status: 'proposed', keyId: key.keyId, branch, commit: outcome.commit, version: staged.root.signed.version };
  }
  await saveEnrollmentRecord(env.STELLA_KV, { ...proposal, node: request.node, publicKeyPem: key.publicKeyPem, at: new Date().toISOString() });
  return proposal;
};

async function readRoots(store: GitStore, main: string): Promise<{ current: TrustRoot; pending: TrustRoot | undefined }> {
  const bytes = await store.readFile(main, ROOT_PATH);
  if (bytes === undefined) throw new StellaError('REPO_INVALID', `${MAIN}:${ROOT_PATH} is missing in the state repository`);
  const pendingBytes = await store.readFile(main, PENDING_ROOT_PATH);
  return {
    current: parseRoot(bytes, `${MAIN}:${ROOT_PATH}`),
    pending: pendingBytes === undefined ? undefined : parseRoot(pendingBytes, `${MAIN}:${PENDING_ROOT_PATH}`),
  };
}
