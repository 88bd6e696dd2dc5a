/**
 * `stella demo`: the whole path on the sample shipped in `examples/` —
 * a new state repository, the bundled real advisories imported, the sample
 * image scanned, its signed report committed and verified — offline, in
 * seconds. Everything goes into one folder (default `./stella-demo`):
 * `state/` is the state repository, `home/` holds the private key.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { StellaError } from '../../../core/errors.js';
import { verifyRepository } from '../../../core/verify/verify-repo.js';
import { importOsv } from '../../feeds/import-osv.js';
import { loadKey } from '../../repo/keystore.js';
import { initStateRepo, MAIN_BRANCH } from '../../repo/state-repo.js';
import { packageRoot } from '../../package-root.js';
import { commitReport } from '../../scan/commit-report.js';
import { scanTarget } from '../../scan/scan.js';
import { renderTable } from '../../../core/export/table/table.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

export const SAMPLE_IMAGE = 'examples/sample-image.oci.tar';
export const SAMPLE_ADVISORIES = 'examples/advisories';

export function registerDemo(program: Command, setResult: SetResult): void {
  program
    .command('demo')
    .description('run the whole path on the bundled sample image: init, import advisories, scan, sign, commit, verify')
    .option('--dir <dir>', 'folder for the demo state repository and key (replaced if it holds an earlier demo)', 'stella-demo')
    .option('--node <name>', 'node name for the demo', 'demo-node')
    .action(async (options: { dir: string; node: string }, command: Command) => {
      const ctx = CommandContext.of(command);
      const root = resolve(options.dir);
      const stateDir = join(root, 'state');
      const home = join(root, 'home');
      if (existsSync(root)) {
        if (!existsSync(join(stateDir, 'stella.yaml'))) throw new StellaError('REPO_EXISTS', `${root} exists and is not an earlier demo; pass --dir NEW_FOLDER`);
        await rm(root, { recursive: true, force: true });
      }
      const started = Date.now();
      const { repo, keyId } = await initStateRepo(stateDir, { node: options.node, home });
      const key = await loadKey(home, keyId);
      ctx.log.info(`1/4 state repository ${stateDir} (signing key ${keyId.slice(0, 12)}…)`);

      const feed = await importOsv(repo, [join(packageRoot(), SAMPLE_ADVISORIES)], { key });
      ctx.log.info(`2/4 imported ${feed.records} real OSV advisories into feeds/osv (commit ${feed.commit?.slice(0, 12) ?? 'none'})`);

      const outcome = await scanTarget(join(packageRoot(), SAMPLE_IMAGE), { repo });
      const committed = await commitReport(repo, outcome, { node: options.node, key });
      ctx.log.info(`3/4 scanned ${outcome.report.target.name}: ${outcome.report.summary.components} components, ${outcome.report.summary.findings} findings`);
      process.stdout.write(`\n${renderTable(outcome.report)}\n`);

      const branches = await repo.store.listBranches();
      const verified = await verifyRepository(repo.store, { main: MAIN_BRANCH, branches });
      for (const failure of verified.failures) ctx.log.error(`${failure.where}: ${failure.reason}`);
      const ok = verified.failures.length === 0;
      ctx.log.info(`4/4 stella verify: ${verified.reports} reports, ${verified.manifests} feed manifests, ${verified.failures.length} failures`);
      process.stdout.write(
        `Signed report: ${committed.folder}/ on branch ${committed.branch} of ${stateDir} (commit ${committed.commit.slice(0, 12)})\n` +
          `  read it:   git -C ${stateDir} show ${committed.branch}:${committed.folder}/report.json\n` +
          `  verify it: STELLA_HOME=${home} npx stella verify --repo ${stateDir}\n` +
          `Done in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
      );
      setResult({ exitCode: ok ? ExitCode.ok : ExitCode.verifyFailed });
    });
}
