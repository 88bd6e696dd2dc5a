/**
 * The pull request half of `stella node join`: with a forge configured, the
 * new node proposes its own enrollment. It commits, on a new branch
 * `enroll/<node>` from main, the pending trust root version that adds its
 * report key — exactly what `stella trust enroll` stages, minus any
 * signature, since the node holds no root key — pushes that branch, and
 * opens a pull request for an admin to review and sign (`stella trust sign`).
 *
 * @example
 *   const proposal = await proposeEnrollment(repo, { node: 'edge-2', publicKeyPem, keyId, forge, push: (branch) => pushBranch(repo.store, branch, { node: 'edge-2', remote }) });
 *   console.log(proposal.pull.url);
 */
import { StellaError } from '../../core/errors.js';
import type { Forge, PullRequestResult } from '../forge/forge.js';
import { parseRoot, PENDING_ROOT_PATH, rfc3339, ROOT_PATH, type TrustRoot } from '../../core/trust/root.js';
import { stageRoot } from '../../core/trust/stage.js';
import { AGENT_IDENTITY, DEFAULT_ROOT_VALID_DAYS, MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';

const DAY_MS = 86_400_000;

/** What the node proposes, and where. */
export interface EnrollmentRequest {
  node: string;
  keyId: string;
  /** SPKI PEM of the node's new report key. */
  publicKeyPem: string;
  forge: Forge;
  /** Sends the branch to the forge's repository (`pushBranch`); returns the pushed tip. */
  push(branch: string): Promise<{ commit: string }>;
  /** Clock for the staged version's expiry (default: now). */
  now?: Date;
}

/** The branch, its commit, and the pull request opened (or found already open). */
export interface EnrollmentProposal {
  branch: string;
  commit: string;
  version: number;
  pull: PullRequestResult;
}

/**
 * The branch a node's enrollment is proposed on.
 * @example enrollBranch('edge-2') // 'enroll/edge-2'
 */
export function enrollBranch(node: string): string {
  return `enroll/${node}`;
}

/**
 * Commits the pending root that enrolls the key on `enroll/<node>`, pushes it and opens the pull request.
 * Throws what staging refuses (the key already enrolled), what the push or the forge refuses.
 * @example const { pull } = await proposeEnrollment(repo, request);
 */
export async function proposeEnrollment(repo: StateRepo, request: EnrollmentRequest): Promise<EnrollmentProposal> {
  const branch = enrollBranch(request.node);
  const main = await repo.store.branchTip(MAIN_BRANCH);
  if (main === undefined) throw new StellaError('REPO_INVALID', `${repo.dir}: no ${MAIN_BRANCH} branch to propose the enrollment on`);
  const { current, pending } = await readRoots(repo, main);
  const expires = rfc3339(new Date((request.now ?? new Date()).getTime() + DEFAULT_ROOT_VALID_DAYS * DAY_MS));
  const staged = await stageRoot({ current, pending, edits: [{ $case: 'enroll', node: request.node, publicKey: request.publicKeyPem }], signer: undefined, expires });
  await repo.store.commit({
    branch,
    parent: main,
    changes: staged.changes,
    message: `${staged.summary}\n\nProposed by the node itself when it joined (stella node join); key ${request.keyId}.\n`,
    author: AGENT_IDENTITY,
  });
  const pushed = await request.push(branch);
  const version = staged.root.signed.version;
  const pull = await request.forge.openOrUpdatePullRequest({ head: branch, base: MAIN_BRANCH, title: `Enroll node ${request.node}`, body: enrollmentBody(request, branch, version) });
  return { branch, commit: pushed.commit, version, pull };
}

/** What the admin reads: the key, what the change does, and the commands that complete it. */
function enrollmentBody(request: EnrollmentRequest, branch: string, version: number): string {
  return [
    `Node \`${request.node}\` asks to sign reports with key \`${request.keyId}\`.`,
    '',
    `This branch stages trust root version ${version} in \`${PENDING_ROOT_PATH}\`, adding the key for the node; it carries no signature yet.`,
    'It takes effect once a threshold of root keys has signed it. A root key holder signs it on this branch:',
    '',
    '```sh',
    `git fetch origin ${branch}:${branch}`,
    `stella trust sign --branch ${branch}`,
    `git push origin ${branch}`,
    '```',
    '',
    `then merges this pull request (or merges first and runs \`stella trust sign\` on ${MAIN_BRANCH}).`,
    '',
    `The same change made by hand: save the key below as \`${request.node}.pub.pem\` and run`,
    '',
    '```sh',
    `stella trust enroll --node ${request.node} --key ${request.node}.pub.pem`,
    '```',
    '',
    'The key (SPKI PEM):',
    '',
    '```',
    request.publicKeyPem.trim(),
    '```',
    '',
  ].join('\n');
}

async function readRoots(repo: StateRepo, main: string): Promise<{ current: TrustRoot; pending: TrustRoot | undefined }> {
  const bytes = await repo.store.readFile(main, ROOT_PATH);
  if (bytes === undefined) throw new StellaError('REPO_INVALID', `${MAIN_BRANCH}:${ROOT_PATH} is missing; a repository made by \`stella init\` has one`);
  const pendingBytes = await repo.store.readFile(main, PENDING_ROOT_PATH);
  return {
    current: parseRoot(bytes, `${MAIN_BRANCH}:${ROOT_PATH}`),
    pending: pendingBytes === undefined ? undefined : parseRoot(pendingBytes, `${MAIN_BRANCH}:${PENDING_ROOT_PATH}`),
  };
}
