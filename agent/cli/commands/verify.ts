/** `stella verify`: every signature and digest in the state repository, against trust/. */
import type { Command } from 'commander';
import { verifyRepository } from '../../../core/verify/verify-repo.js';
import { MAIN_BRANCH } from '../../repo/state-repo.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

export function registerVerify(program: Command, setResult: SetResult): void {
  program
    .command('verify')
    .description('check every report, feed and signed file (policies, VEX, exceptions, stella.yaml) of each ref against the keys in trust/')
    .option('--trust-ref <ref>', 'ref whose trust/ and feeds/ are authoritative', MAIN_BRANCH)
    .option('--ref <ref...>', 'refs to check completely (default: every local branch)')
    .addHelpText(
      'after',
      '\nExit code 0 when everything verifies, 1 when anything fails (each failure names the file and the reason).\n' +
        'In a pull request: stella verify --trust-ref origin/main --ref HEAD  (the PR cannot vouch for itself)',
    )
    .action(async (options: { trustRef: string; ref?: string[] }, command: Command) => {
      const ctx = CommandContext.of(command);
      const repo = await ctx.openRepo();
      const branches = options.ref ?? (await repo.store.listBranches());
      const result = await verifyRepository(repo.store, { main: options.trustRef, branches });
      for (const failure of result.failures) ctx.log.error(`${failure.where}: ${failure.reason}`, { ...failure });
      const ok = result.failures.length === 0;
      ctx.log.info(
        `${ok ? 'verified' : 'FAILED'}: ${result.reports} reports, ${result.manifests} feed manifests and ${result.policies + result.signedFiles} signed files checked, ${result.failures.length} failures`,
        { reports: result.reports, manifests: result.manifests, signed: result.policies + result.signedFiles, failures: result.failures.length },
      );
      setResult({ exitCode: ok ? ExitCode.ok : ExitCode.verifyFailed });
    });
}
