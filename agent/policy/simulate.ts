/**
 * `stella policy simulate`: the reports stored on `--ref` (default main),
 * decided by the policy in force there (with its exceptions, signatures
 * checked) and by a candidate, compared. The candidate is either a file on
 * disk (taken with the ref's exceptions) or `REV:PATH` in the repository —
 * `REV:` alone meaning the policy `stella.yaml` names at REV — taken with
 * REV's exceptions, unverified: a pull request's own files are what is
 * under review, and CI's `stella verify` judges their signatures.
 *
 * @example
 *   const result = await simulateRepo(repo, { candidate: 'HEAD:', ref: 'origin/main', now });
 */
import { readFile, stat } from 'node:fs/promises';
import { StellaError } from '../../core/errors.js';
import { FINDINGS_DIR, REPORT_FILE } from '../../core/report/layout.js';
import { parseReport } from '../../core/report/serialize.js';
import { simulate, type PolicySide, type SimulationResult, type StoredReport } from '../../core/policy/simulate/simulate.js';
import { exceptionsAt, policyInForce, policySetting } from '../../core/policy/state-policy.js';
import type { StateRepo } from '../repo/state-repo.js';
import { agentPolicyEngines } from './engines.js';

/** Runs a simulation over the reports on `ref`. */
export async function simulateRepo(repo: StateRepo, options: { candidate: string; ref: string; now: Date }): Promise<SimulationResult> {
  const commit = await resolveRef(repo, options.ref);
  const inForce = await policyInForce(repo.store, commit, { now: options.now, registry: agentPolicyEngines });
  const baseline: PolicySide | undefined = inForce === undefined ? undefined : { engine: inForce.engine, exceptions: inForce.exceptions };
  try {
    for (const problem of inForce?.problems ?? []) throw new StellaError('POLICY_INVALID', problem);
    const candidate = await candidateSide(repo, options.candidate, commit);
    try {
      return await simulate(await storedReports(repo, commit), { ...(baseline === undefined ? {} : { baseline }), candidate, now: options.now });
    } finally {
      await candidate.engine.close?.();
    }
  } finally {
    await baseline?.engine.close?.();
  }
}

/**
 * Every `findings/<node>/<target>/report.json` at `commit`. Trees are read
 * by id, level by level (a path lookup per folder would read the root
 * again for each of thousands of targets), a few reports at a time.
 */
export async function storedReports(repo: StateRepo, commit: string): Promise<StoredReport[]> {
  const root = (await repo.store.listFolder(commit, '')).find((entry) => entry.path === FINDINGS_DIR && entry.type === 'tree');
  if (root === undefined) return [];
  const files: { folder: string; oid: string }[] = [];
  for (const node of await repo.store.readTree(root.oid)) {
    if (node.type !== 'tree') continue;
    const targets = (await repo.store.readTree(node.oid)).filter((entry) => entry.type === 'tree');
    await inBatches(targets, async (target) => {
      const report = (await repo.store.readTree(target.oid)).find((entry) => entry.path === REPORT_FILE && entry.type === 'blob');
      if (report !== undefined) files.push({ folder: `${FINDINGS_DIR}/${node.path}/${target.path}`, oid: report.oid });
    });
  }
  const decoder = new TextDecoder();
  const out: StoredReport[] = [];
  await inBatches(files, async (file) => {
    out.push({ folder: file.folder, report: parseReport(decoder.decode(await repo.store.readBlob(file.oid)), `${file.folder}/${REPORT_FILE}`) });
  });
  return out.sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));
}

/** Runs `work` over `items`, 16 at a time: enough to overlap file reads, few enough to bound memory. */
async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += 16) await Promise.all(items.slice(i, i + 16).map(work));
}

async function candidateSide(repo: StateRepo, candidate: string, refCommit: string): Promise<PolicySide> {
  const onDisk = await stat(candidate).then((info) => info.isFile(), () => false);
  const colon = candidate.indexOf(':');
  if (onDisk || colon < 0) {
    if (!onDisk) throw new StellaError('NOT_FOUND', `${candidate}: no such policy file (or give REV:PATH, or REV: for the policy REV's stella.yaml names)`);
    return { engine: await agentPolicyEngines.load(await readFile(candidate), candidate), exceptions: (await exceptionsAt(repo.store, refCommit, null)).exceptions };
  }
  const rev = candidate.slice(0, colon);
  const commit = await resolveRef(repo, rev);
  let path = candidate.slice(colon + 1);
  if (path === '') {
    const setting = await policySetting(repo.store, commit);
    if (setting === undefined) throw new StellaError('NOT_FOUND', `${rev}: stella.yaml names no policy (policy: policies/<file>)`);
    path = setting.path;
  }
  const bytes = await repo.store.readFile(commit, path);
  if (bytes === undefined) throw new StellaError('NOT_FOUND', `${rev}:${path}: no such file`);
  const { exceptions, problems } = await exceptionsAt(repo.store, commit, null);
  // A candidate's broken exception file is the change under review: say so rather than leave it out.
  const problem = problems[0];
  if (problem !== undefined) throw new StellaError('POLICY_INVALID', problem);
  return { engine: await agentPolicyEngines.load(bytes, path), exceptions };
}

async function resolveRef(repo: StateRepo, ref: string): Promise<string> {
  const commit = await repo.store.resolve(ref);
  if (commit === undefined) throw new StellaError('NOT_FOUND', `${ref}: no such branch or commit in ${repo.dir}`);
  return commit;
}
