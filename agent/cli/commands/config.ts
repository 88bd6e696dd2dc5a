/**
 * `stella config get|set|list`: the settings a command falls back on when no
 * flag is given. `node` is kept per state repository (its .git/config, as
 * `stella init --node` does) unless `--global`; `repo` lives in the config
 * file. Precedence when a command runs: flag, environment, the repository's
 * node (for node), the config file, the default (agent/config.ts).
 */
import type { Command } from 'commander';
import { StellaError } from '../../../core/errors.js';
import { checkNodeName, configPath, FILE_SETTINGS, resolveRepo, saveConfigSetting, type FileSetting } from '../../config.js';
import { readRepoNode, writeRepoNode } from '../../repo/node-setting.js';
import { openStateRepo } from '../../repo/state-repo.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

const KEYS_HELP = `settings: ${FILE_SETTINGS.join(', ')}`;

/**
 * Registers `stella config` and its subcommands.
 * @example registerConfig(program, setResult); // stella config set node edge-1
 */
export function registerConfig(program: Command, setResult: SetResult): void {
  const config = program
    .command('config')
    .description('show or change settings: the config file, or (for node) the state repository')
    .addHelpText(
      'after',
      '\nWhere each setting comes from, first match wins:\n' +
        '  node  --node, $STELLA_NODE, the state repository (.git/config stella.node), the config file, the host name\n' +
        '  repo  --repo, $STELLA_REPO, the config file\n' +
        'The config file is $STELLA_CONFIG, else $STELLA_HOME/config.yaml. Remote credentials (remote: in the file)\n' +
        'are edited by hand or given as STELLA_GIT_* variables, so secrets stay out of shell history.',
    );

  config
    .command('get')
    .description('print the value a command would use for a setting')
    .argument('<key>', KEYS_HELP)
    .action(async (key: string, _options: unknown, command: Command) => {
      const ctx = CommandContext.of(command);
      const value = settingKey(key) === 'node' ? await ctx.node(undefined) : await ctx.repoPath();
      process.stdout.write(`${value}\n`);
      setResult({ exitCode: ExitCode.ok });
    });

  config
    .command('set')
    .description('change a setting: node for the state repository (or, with --global, the config file); repo in the config file')
    .argument('<key>', KEYS_HELP)
    .argument('<value>', 'the new value')
    .option('--global', 'write node to the config file (every repository without a node of its own) instead of the state repository')
    .addHelpText('after', '\nExamples:\n  stella --repo ./state config set node edge-1\n  stella config set repo ./state')
    .action(async (key: string, value: string, options: { global?: boolean }, command: Command) => {
      const ctx = CommandContext.of(command);
      const setting = settingKey(key);
      if (setting === 'node' && options.global !== true) {
        const repo = await openStateRepo(await ctx.repoPath());
        await writeRepoNode(repo.dir, checkNodeName(value));
        ctx.log.info(`node ${value} set for ${repo.dir} (in its .git/config as stella.node)`);
      } else {
        const file = await saveConfigSetting(setting, value);
        ctx.log.info(`${setting} set in ${file}`);
      }
      setResult({ exitCode: ExitCode.ok });
    });

  config
    .command('list')
    .description('print every setting with its value and where it comes from')
    .action(async (_options: unknown, command: Command) => {
      const ctx = CommandContext.of(command);
      process.stdout.write((await listSettings(ctx)).join('\n') + '\n');
      setResult({ exitCode: ExitCode.ok });
    });
}

function settingKey(key: string): FileSetting {
  if ((FILE_SETTINGS as readonly string[]).includes(key)) return key as FileSetting;
  throw new StellaError('USAGE', `unknown setting '${key}' (${KEYS_HELP})`);
}

/** `key=value  (source)` lines, in the order the precedence is checked. */
async function listSettings(ctx: CommandContext): Promise<string[]> {
  const file = await ctx.config();
  const lines: string[] = [];
  let repo: string | undefined;
  try {
    repo = resolveRepo(ctx.globals.repo, file);
    const source = ctx.globals.repo !== undefined ? '--repo' : process.env['STELLA_REPO'] !== undefined ? '$STELLA_REPO' : configPath();
    lines.push(`repo=${repo}  (${source})`);
  } catch {
    lines.push('repo=  (not set)');
  }
  const repoNode = repo === undefined ? undefined : await readRepoNode(repo);
  const node = await ctx.node(undefined);
  const source =
    process.env['STELLA_NODE'] !== undefined ? '$STELLA_NODE' : repoNode !== undefined ? `${repo as string}/.git/config` : file.node !== undefined ? configPath() : 'host name';
  lines.push(`node=${node}  (${source})`);
  return lines;
}
