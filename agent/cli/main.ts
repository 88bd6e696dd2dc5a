/**
 * The `stella` command line. Each subcommand lives in `commands/` and is
 * listed in `catalog.ts`; only the one being run is imported, so `stella
 * --version` and `stella --help` do not pay for Git, LevelDB or the scanners.
 * Every command has `--help`. Exit codes:
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
import { describeError, isStellaError, StellaError } from '../../core/errors.js';
import { toolVersion } from '../package-root.js';
import { COMMANDS } from './catalog.js';
import { ExitCode, type CommandResult } from './exit.js';

/**
 * Runs one `stella` invocation (`argv` as in `process.argv`) and returns its exit code.
 * @example process.exitCode = await run(['node', 'stella', 'scan', 'app.tar']);
 */
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

  try {
    await registerCommands(program, commandName(program, argv.slice(2)), setResult);
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

/**
 * Registers the command being run in full and every other one by name and
 * summary only (enough for `stella --help` and for commander's "did you mean").
 */
async function registerCommands(program: Command, wanted: string | undefined, setResult: (r: CommandResult) => void): Promise<void> {
  // The wanted one first: its module may register siblings too (remote.ts: push and pull), which then need no stub.
  const entry = COMMANDS.find((candidate) => candidate.name === wanted);
  if (entry !== undefined) (await entry.load())(program, setResult);
  for (const other of COMMANDS) {
    if (program.commands.some((command) => command.name() === other.name)) continue;
    program
      .command(other.name)
      .description(other.summary)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => {
        // Only reachable if commandName() and commander disagree on which command runs.
        throw new StellaError('USAGE', `stella ${other.name}: the command was not loaded; put global options before it`);
      });
  }
}

/**
 * The command `args` would run: the first operand after the global options
 * (or the one after `help`). Which options take a value is read from the
 * program itself, so this stays in step with the options declared above.
 */
export function commandName(program: Command, args: readonly string[]): string | undefined {
  const takesValue = new Set(program.options.filter((option) => option.required || option.optional).flatMap((option) => [option.long, option.short]));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') return args[i + 1];
    if (arg.startsWith('-')) {
      if (!arg.includes('=') && takesValue.has(arg)) i++;
      continue;
    }
    if (arg !== 'help') return arg;
    return args.slice(i + 1).find((next) => !next.startsWith('-'));
  }
  return undefined;
}
