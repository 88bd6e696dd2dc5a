/**
 * `stella policy import FILE` and `stella policy simulate POLICY_OR_PACK`:
 * bring a signed policy or exception file into the state repository, and
 * show what a candidate policy would change before it is merged.
 */
import { Option, type Command } from 'commander';
import { StellaError } from '../../../core/errors.js';
import { renderSimulationMarkdown, renderSimulationTable } from '../../../core/policy/simulate/render.js';
import { importPolicyFile } from '../../policy/import.js';
import { simulateRepo } from '../../policy/simulate.js';
import { MAIN_BRANCH } from '../../repo/state-repo.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

/**
 * Registers `stella policy` and its subcommands.
 * @example registerPolicy(program, setResult); // stella policy simulate HEAD: --ref origin/main --format markdown
 */
export function registerPolicy(program: Command, setResult: SetResult): void {
  const policy = program
    .command('policy')
    .description('sign and commit policies and exceptions, and simulate a candidate policy on the stored reports')
    .addHelpText(
      'after',
      '\nThe policy in force is the file stella.yaml names (policy: policies/<file>) on main, signed by the policies role;\n' +
        'every file under exceptions/ applies too. Built-in policies are YAML (stella.policy/v1): the first matching rule decides;\n' +
        'OPA wasm packs (opa build -t wasm -e stella/decision, a .tar.gz) run in a worker thread with time and memory limits.',
    );

  policy
    .command('import')
    .description('check a policy or exception file, sign it for the policies role, and commit it to policies/ or exceptions/')
    .argument('<file>', 'a built-in policy (.yaml), an OPA wasm pack (bundle.tar.gz), or an exception file (schema: stella.exceptions/v1)')
    .option('--name <name>', 'file name in the repository (default: the file name)')
    .option('--use', "make it the policy in force (sets stella.yaml's policy: and signs stella.yaml again)")
    .option('--branch <name>', 'branch to commit to (a new one starts from main, for a pull request)', MAIN_BRANCH)
    .addHelpText('after', '\nExamples:\n  stella policy import --use production.yaml\n  stella policy import --branch policy/waive-lodash web-exceptions.yaml')
    .action(async (file: string, options: { name?: string; use?: boolean; branch: string }, command: Command) => {
      const ctx = CommandContext.of(command);
      const repo = await ctx.openRepo();
      const result = await importPolicyFile(repo, {
        file,
        ...(options.name === undefined ? {} : { name: options.name }),
        key: await ctx.signingKey(repo),
        use: options.use === true,
        branch: options.branch,
        now: new Date(),
      });
      ctx.log.info(`${result.changed ? 'signed and committed' : 'unchanged'}: ${result.path} on ${options.branch} (${result.commit.slice(0, 12)})${options.use === true ? ', now the policy in force' : ''}`, { ...result });
      setResult({ exitCode: ExitCode.ok });
    });

  policy
    .command('simulate')
    .description('re-evaluate the stored reports under a candidate policy and show which targets and findings would change verdict')
    .argument('<policy-or-pack>', "a policy file on disk, or REV:PATH in the repository (REV: alone: the policy REV's stella.yaml names)")
    .option('--ref <ref>', 'the branch or commit whose reports, policy in force and exceptions are the baseline', MAIN_BRANCH)
    .addOption(new Option('--format <format>', 'table for the terminal, markdown for a pull request comment').choices(['table', 'markdown']).default('table'))
    .option('--at <time>', 'evaluate as of this moment (RFC 3339), e.g. to see exceptions expire; default: now')
    .addHelpText(
      'after',
      '\nA file on disk is simulated with the exceptions of --ref; REV:PATH with those of REV.\n' +
        'Examples:\n  stella policy simulate ./stricter.yaml\n  stella policy simulate --ref origin/main --format markdown HEAD:',
    )
    .action(async (candidate: string, options: { ref: string; format: string; at?: string }, command: Command) => {
      const ctx = CommandContext.of(command);
      const repo = await ctx.openRepo();
      const now = options.at === undefined ? new Date() : moment(options.at);
      const result = await simulateRepo(repo, { candidate, ref: options.ref, now });
      process.stdout.write(options.format === 'markdown' ? renderSimulationMarkdown(result, now) : renderSimulationTable(result, now));
      ctx.log.info(`simulated ${result.reports} reports: ${result.changes.length} targets with changes`, { reports: result.reports, changed: result.changes.length });
      setResult({ exitCode: ExitCode.ok });
    });
}

function moment(text: string): Date {
  const at = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new StellaError('USAGE', `--at: '${text}' is not an RFC 3339 date-time (e.g. 2026-07-01T00:00:00Z)`);
  return at;
}
