/**
 * `stella demo`: the whole path on the samples shipped in `examples/` —
 * a new state repository, the bundled real advisories imported, the two
 * sample images scanned, their signed reports committed and verified —
 * offline, in seconds. Everything goes into one folder (default
 * `./stella-demo`): `state/` is the state repository, `home/` holds the
 * private key.
 *
 * Two samples, because each shows what the other cannot: the Debian 12 +
 * npm image has npm findings and Debian packages that no imported feed
 * covers (the coverage line says so); the Debian 11 image has OS findings
 * from the Debian security tracker's own list format.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { StellaError } from '../../../core/errors.js';
import type { SigningKey } from '../../../core/sign/keys.js';
import { verifyRepository } from '../../../core/verify/verify-repo.js';
import { importOsv } from '../../feeds/import-osv.js';
import { loadKey } from '../../repo/keystore.js';
import { initStateRepo, MAIN_BRANCH, type StateRepo } from '../../repo/state-repo.js';
import { packageRoot } from '../../package-root.js';
import { commitReport, type CommittedReport } from '../../scan/commit-report.js';
import { scanTarget } from '../../scan/scan.js';
import { renderTable } from '../../../core/export/table/table.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

/** Debian 12 + an npm app: npm findings, and Debian packages no bundled feed covers. */
export const SAMPLE_IMAGE = 'examples/sample-image.oci.tar';
/** The package database of a Debian 11 image of January 2023: OS findings. */
export const SAMPLE_DEBIAN11_IMAGE = 'examples/sample-debian11.oci.tar';
/** OSV records for the npm packages of the first sample. */
export const SAMPLE_ADVISORIES = 'examples/advisories';
/** The tracker's DSA entries for the second sample's packages, in the tracker's own format. */
export const SAMPLE_DEBIAN_TRACKER = 'examples/debian-security-tracker/DSA/list';

const STEPS = 5;

export function registerDemo(program: Command, setResult: SetResult): void {
  program
    .command('demo')
    .description('run the whole path on the bundled sample images: init, import advisories, scan, sign, commit, verify')
    .option('--dir <dir>', 'folder for the demo state repository and key (replaced if it holds an earlier demo)', 'stella-demo')
    .option('--node <name>', 'node name for the demo', 'demo-node')
    .action(async (options: { dir: string; node: string }, command: Command) => {
      const ctx = CommandContext.of(command);
      const root = resolve(options.dir);
      const stateDir = join(root, 'state');
      const home = join(root, 'home');
      await clearEarlierDemo(root, stateDir);
      const started = Date.now();
      const { repo, keyId } = await initStateRepo(stateDir, { node: options.node, home });
      const key = await loadKey(home, keyId);
      ctx.log.info(`1/${STEPS} state repository ${stateDir} (signing key ${keyId.slice(0, 12)}…)`);

      const sources = [SAMPLE_ADVISORIES, SAMPLE_DEBIAN_TRACKER].map((path) => join(packageRoot(), path));
      const feed = await importOsv(repo, sources, { key });
      ctx.log.info(
        `2/${STEPS} imported ${feed.records} real advisories into feeds/osv: OSV records for the npm packages, Debian security tracker DSA entries for the Debian 11 packages (commit ${feed.commit?.slice(0, 12) ?? 'none'})`,
      );

      const committed: CommittedReport[] = [];
      for (const [step, sample] of [SAMPLE_IMAGE, SAMPLE_DEBIAN11_IMAGE].entries()) {
        committed.push(await scanSample(ctx, repo, sample, `${step + 3}/${STEPS}`, { node: options.node, key }));
      }

      const branches = await repo.store.listBranches();
      const verified = await verifyRepository(repo.store, { main: MAIN_BRANCH, branches });
      for (const failure of verified.failures) ctx.log.error(`${failure.where}: ${failure.reason}`);
      ctx.log.info(`${STEPS}/${STEPS} stella verify: ${verified.reports} reports, ${verified.manifests} feed manifests, ${verified.failures.length} failures`);
      process.stdout.write(`${closingLines(committed, stateDir, home)}Done in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
      setResult({ exitCode: verified.failures.length === 0 ? ExitCode.ok : ExitCode.verifyFailed });
    });
}

/** Replaces an earlier demo's folder, and refuses any other folder that is in the way. */
async function clearEarlierDemo(root: string, stateDir: string): Promise<void> {
  if (!existsSync(root)) return;
  if (!existsSync(join(stateDir, 'stella.yaml'))) throw new StellaError('REPO_EXISTS', `${root} exists and is not an earlier demo; pass --dir NEW_FOLDER`);
  await rm(root, { recursive: true, force: true });
}

/** Scans one bundled sample, commits its signed report and prints its table. */
async function scanSample(ctx: CommandContext, repo: StateRepo, sample: string, step: string, options: { node: string; key: SigningKey }): Promise<CommittedReport> {
  const outcome = await scanTarget(join(packageRoot(), sample), { repo });
  const committed = await commitReport(repo, outcome, options);
  const { summary, target } = outcome.report;
  ctx.log.info(`${step} scanned ${target.name}: ${summary.components} components, ${summary.findings} findings`);
  process.stdout.write(`\n${renderTable(outcome.report)}\n`);
  return committed;
}

/** Where the signed reports are and the commands that read and verify them. */
function closingLines(committed: readonly CommittedReport[], stateDir: string, home: string): string {
  const first = committed[0];
  const lines = committed.map((c) => `Signed report: ${c.folder}/ on branch ${c.branch} of ${stateDir} (commit ${c.commit.slice(0, 12)})\n`);
  if (first !== undefined) lines.push(`  read it:   git -C ${stateDir} show ${first.branch}:${first.folder}/report.json\n`);
  lines.push(`  verify it: STELLA_HOME=${home} npx stella verify --repo ${stateDir}\n`);
  return lines.join('');
}
