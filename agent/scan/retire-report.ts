/**
 * `stella report retire TARGET`: withdraws a target's report on purpose.
 * A report folder may not simply be deleted — verification refuses that, as
 * it would hide findings — so the folder's files are replaced by one signed
 * retirement statement, `findings/<node>/<target>/retired.sigstore.json`:
 * the same DSSE bundle form as a report, predicate type
 * `…/retirement/v1`, with the node, the target, the next sequence number
 * and the signing time; its subject is the retired report's bundle. One
 * commit on `agents/<node>`, reviewed like any report.
 *
 * @example
 *   const { folder, commit } = await retireReport(repo, 'corpus/debian-node:latest', { node: 'edge-1', key });
 */
import { StellaError } from '../../core/errors.js';
import { freshnessFields, peekClaim } from '../../core/report/claim.js';
import { agentBranch, BUNDLE_FILE, RETIREMENT_FILE, RETIREMENT_PREDICATE_TYPE, reportFolder, targetSlug } from '../../core/report/layout.js';
import { bundleToJson, createBundle } from '../../core/sign/bundle.js';
import { sha256Hex } from '../../core/sign/encoding.js';
import { buildStatement } from '../../core/sign/intoto.js';
import type { SigningKey } from '../../core/sign/keys.js';
import { AGENT_IDENTITY, MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';
import { leftovers, nextSequence } from './report-state.js';

/** The retirement commit. */
export interface RetiredReport {
  commit: string;
  branch: string;
  folder: string;
  sequence: number;
}

/**
 * Replaces the report of `target` (its name or its folder name) on the
 * node's branch by a signed retirement. Throws NOT_FOUND when the branch
 * (or main) holds no report for it.
 * @example await retireReport(repo, 'app', { node: 'edge-1', key })
 */
export async function retireReport(repo: StateRepo, target: string, options: { node: string; key: SigningKey; now?: Date }): Promise<RetiredReport> {
  const folder = reportFolder(options.node, target);
  const branch = agentBranch(options.node);
  const tip = (await repo.store.branchTip(branch)) ?? (await repo.store.branchTip(MAIN_BRANCH));
  const bundle = tip === undefined ? undefined : await repo.store.readFile(tip, `${folder}/${BUNDLE_FILE}`);
  if (tip === undefined || bundle === undefined) {
    throw new StellaError('NOT_FOUND', `${folder}: no report to retire on ${branch} (or ${MAIN_BRANCH}); list reports with git ls-tree -d ${branch} findings/${options.node}/`);
  }
  // The name as the report was signed, so the retirement names the same target.
  const signedName = (await peekClaim(bundle))?.claim.target;
  const name = signedName !== undefined && targetSlug(signedName) === targetSlug(target) ? signedName : target;
  const sequence = await nextSequence(repo.store, [branch, MAIN_BRANCH], folder);
  const statement = buildStatement({
    subjects: [{ name: BUNDLE_FILE, sha256: await sha256Hex(bundle) }],
    predicateType: RETIREMENT_PREDICATE_TYPE,
    predicate: { ...freshnessFields({ node: options.node, sequence, now: options.now ?? new Date() }), target: { name } },
  });
  const signed = await createBundle(statement, options.key);
  const changes = new Map<string, Uint8Array | null>((await leftovers(repo.store, tip, folder, [])).map((path) => [path, null]));
  changes.set(`${folder}/${RETIREMENT_FILE}`, new TextEncoder().encode(`${bundleToJson(signed)}\n`));
  const result = await repo.store.commit({
    branch,
    startFrom: MAIN_BRANCH,
    changes,
    message: `retire ${name}\n\nThe report of ${name} on node ${options.node} is withdrawn: ${RETIREMENT_FILE} (sequence ${sequence}) takes its place.\n`,
    author: { name: AGENT_IDENTITY.name, email: `agent@${options.node}` },
  });
  return { commit: result.oid, branch, folder, sequence };
}
