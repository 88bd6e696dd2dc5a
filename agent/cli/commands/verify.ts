/** `stella verify`: every signature and digest in the state repository, against trust/. */
import type { Command } from 'commander';
import { verifyRepository } from '../../../core/verify/verify-repo.js';
import { MAIN_BRANCH } from '../../repo/state-repo.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';
import { defaultVerifyRefs } from '../verify-refs.js';

export function registerVerify(program: Command, setResult: SetResult): void {
  program
    .command('verify')
    .description('check every report, feed and signed file (policies, VEX, exceptions, stella.yaml) of each ref against the keys in trust/')
    .option('--trust-ref <ref>', 'ref whose trust/ and feeds/ are authoritative', MAIN_BRANCH)
    .option('--ref <ref...>', 'refs to check completely (default: every local branch, and the remote-tracking agents/* of origin and bundle)')
    .addHelpText(
      'after',
      '\nExit code 0 when everything verifies, 1 when anything fails (each failure names the file and the reason).\n' +
        'In a pull request: stella verify --trust-ref origin/main --ref HEAD  (the PR cannot vouch for itself)\n' +
        'In a plain git clone the nodes\' reports are on origin/agents/*: those are checked too, except where a local branch has the same tip.',
    )
    .action(async (options: { trustRef: string; ref?: string[] }, command: Command) => {
      const ctx = CommandContext.of(command);
      const repo = await ctx.openRepo();
      let branches = options.ref;
      if (branches === undefined) {
        const found = await defaultVerifyRefs(repo.store);
        branches = found.refs;
        const { remote } = found;
        if (remote.length > 0) ctx.log.info(`also checking ${remote.length} remote-tracking agent branches: ${remote.join(', ')}`, { refs: remote });
        if (found.skipped.length > 0) {
          const list = found.skipped.map((s) => `${s.ref} (= ${s.sameAs})`).join(', ');
          ctx.log.info(`${found.skipped.length} remote-tracking branches skipped, their tip is already checked: ${list}`, { skipped: found.skipped });
        }
      }
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
