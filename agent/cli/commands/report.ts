/** `stella report retire TARGET`: withdraw a target's report with a signed retirement. */
import type { Command } from 'commander';
import { retireReport } from '../../scan/retire-report.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

export function registerReport(program: Command, setResult: SetResult): void {
  const report = program.command('report').description('manage signed reports in the state repository');
  report
    .command('retire')
    .description('replace a target\'s report by a signed retirement (a report folder is never simply deleted)')
    .argument('<target>', 'target name as scanned, or its folder name under findings/<node>/')
    .option('--node <name>', 'node whose report to retire (default: $STELLA_NODE, config, host name)')
    .addHelpText('after', '\nCommits findings/<node>/<target>/retired.sigstore.json on agents/<node>, in place of the report\'s files.')
    .action(async (target: string, options: { node?: string }, command: Command) => {
      const ctx = CommandContext.of(command);
      const repo = await ctx.openRepo();
      const node = await ctx.node(options.node);
      const retired = await retireReport(repo, target, { node, key: await ctx.signingKey(repo) });
      ctx.log.info(`report retired: ${retired.folder} on ${retired.branch} (sequence ${retired.sequence}, ${retired.commit.slice(0, 12)})`, { ...retired });
      setResult({ exitCode: ExitCode.ok });
    });
}
