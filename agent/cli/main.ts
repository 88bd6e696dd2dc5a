/**
 * The `stella` command line. Each subcommand lives in `commands/` and is
 * registered here; every one has `--help`. Exit codes:
 *
 *   0  success (and no finding at the gating severity)
 *   1  `stella verify` found a bad signature or digest
 *   2  the command failed (bad input, missing repository, …)
 *   N  `stella scan --exit-code N` found findings at the gating severity
 *
 * @example
 *   process.exitCode = await run(process.argv);
 */
import { Command, CommanderError } from 'commander';
import { describeError, isStellaError } from '../../core/errors.js';
import { toolVersion } from '../package-root.js';
import { registerDemo } from './commands/demo.js';
import { registerFeed } from './commands/feed.js';
import { registerInit } from './commands/init.js';
import { registerKit } from './commands/kit.js';
import { registerRemote } from './commands/remote.js';
import { registerReport } from './commands/report.js';
import { registerReview } from './commands/review.js';
import { registerScan } from './commands/scan.js';
import { registerSync } from './commands/sync.js';
import { registerTrust } from './commands/trust.js';
import { registerVerify } from './commands/verify.js';
import { ExitCode, type CommandResult } from './context.js';

export async function run(argv: readonly string[]): Promise<number> {
  let result: CommandResult = { exitCode: ExitCode.ok };
  const setResult = (r: CommandResult): void => {
    result = r;
  };
  const program = new Command('stella')
    .description('Stella Mesh agent: scan images, filesystems and SBOMs; keep signed findings in a Git state repository')
    .version(toolVersion(), '-V, --version')
    .option('--repo <dir>', 'state repository (default: $STELLA_REPO, then the config file)')
    .option('-q, --quiet', 'only errors on stderr')
    .option('--verbose', 'debug messages on stderr')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text), writeOut: (text) => process.stdout.write(text) });

  registerInit(program, setResult);
  registerFeed(program, setResult);
  registerScan(program, setResult);
  registerVerify(program, setResult);
  registerReport(program, setResult);
  registerReview(program, setResult);
  registerSync(program, setResult);
  registerRemote(program, setResult);
  registerTrust(program, setResult);
  registerKit(program, setResult);
  registerDemo(program, setResult);

  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with code 0.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.error;
    }
    process.stderr.write(`stella: ${describeError(error)}\n`);
    if (!isStellaError(error) && process.env['STELLA_DEBUG']) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    return ExitCode.error;
  }
  return result.exitCode;
}
