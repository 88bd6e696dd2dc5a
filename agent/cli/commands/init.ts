/** `stella init DIR`: a new state repository with a fresh signing key, set up for one node. */
import type { Command } from 'commander';
import { initStateRepo } from '../../repo/state-repo.js';
import { keyFile } from '../../repo/keystore.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

/**
 * Registers `stella init`.
 * @example registerInit(program, setResult); // stella init ./state --node edge-1
 */
export function registerInit(program: Command, setResult: SetResult): void {
  program
    .command('init')
    .description('create a state repository from the template, with a new ECDSA P-256 signing key (kept outside the repository)')
    .argument('<dir>', 'folder to create (must not exist, or be empty)')
    .option('--node <name>', 'node the key signs reports for, remembered by this repository (default: $STELLA_NODE, config, host name)')
    .addHelpText(
      'after',
      '\nThe private key is written to $STELLA_HOME/keys/<keyid>.pem; its public half is committed under trust/.\n' +
        "The node is kept in the repository's .git/config (stella.node); every command run on it uses that node unless\n" +
        '--node or $STELLA_NODE says otherwise. Change it with `stella config set node NAME`.',
    )
    .action(async (dir: string, options: { node?: string }, command: Command) => {
      const ctx = CommandContext.of(command);
      const node = await ctx.nodeForNewRepo(options.node);
      const { repo, keyId } = await initStateRepo(dir, { node, home: ctx.home() });
      ctx.log.info(`initialised state repository ${repo.dir} for node ${node}`, { repo: repo.dir, node, keyId });
      ctx.log.info(`signing key ${keyId} (node ${node}) saved to ${keyFile(ctx.home(), keyId)}`);
      setResult({ exitCode: ExitCode.ok });
    });
}
