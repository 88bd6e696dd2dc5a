/** `stella init DIR`: a new state repository with a fresh signing key. */
import type { Command } from 'commander';
import { initStateRepo } from '../../repo/state-repo.js';
import { keyFile } from '../../repo/keystore.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

export function registerInit(program: Command, setResult: SetResult): void {
  program
    .command('init')
    .description('create a state repository from the template, with a new ECDSA P-256 signing key (kept outside the repository)')
    .argument('<dir>', 'folder to create (must not exist, or be empty)')
    .option('--node <name>', 'node the key signs reports for (default: $STELLA_NODE, config, host name)')
    .addHelpText('after', '\nThe private key is written to $STELLA_HOME/keys/<keyid>.pem; its public half is committed under trust/.')
    .action(async (dir: string, options: { node?: string }, command: Command) => {
      const ctx = CommandContext.of(command);
      const node = await ctx.node(options.node);
      const { repo, keyId } = await initStateRepo(dir, { node, home: ctx.home() });
      ctx.log.info(`initialised state repository ${repo.dir}`, { repo: repo.dir, node, keyId });
      ctx.log.info(`signing key ${keyId} (node ${node}) saved to ${keyFile(ctx.home(), keyId)}`);
      setResult({ exitCode: ExitCode.ok });
    });
}
