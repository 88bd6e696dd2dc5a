/** `stella push` and `stella pull`: exchange the state repository with its remote over smart HTTP(S). */
import type { Command } from 'commander';
import { chooseRemoteRoute, pullByRoute, pushByRoute } from '../../remote/route.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

interface RemoteOptions {
  remote?: string;
  node?: string;
}

const CREDENTIALS_HELP =
  '\nCredentials (sent only when the server asks; never written to the repository):\n' +
  '  STELLA_GIT_USERNAME + STELLA_GIT_PASSWORD, or STELLA_GIT_TOKEN, or remote: {username, password | token} in the config file.';

/**
 * Registers the top-level `push` and `pull` commands.
 *
 * @example
 *   registerRemote(program, setResult);
 *   // stella push --node edge-1
 *   // stella pull --remote https://git.example/state.git
 */
export function registerRemote(program: Command, setResult: SetResult): void {
  program
    .command('push')
    .description("send this node's reports (branch agents/<node>) to the remote; replays on top when another writer pushed first")
    .option('--remote <url>', "repository URL (default: the clone's origin)")
    .option('--node <name>', "this node (default: $STELLA_NODE, the repository's node (stella config set node), config, host name)")
    .addHelpText('after', `${CREDENTIALS_HELP}\nWithout credentials and with edge: URL in the config file, reports go through the edge.\nOnly agents/<node> is pushed, never by force. Example: stella push --node edge-1`)
    .action(async (options: RemoteOptions, command: Command) => {
      const ctx = CommandContext.of(command);
      const node = await ctx.node(options.node);
      const repo = await ctx.openRepo();
      const route = await chooseRemoteRoute({ edge: (await ctx.config()).edge, remote: options.remote, home: ctx.home() });
      // The node's key, when this clone has one: a report another process of the node outran is re-signed at the next sequence.
      const key = route.$case === 'edge' || repo.signingKeyId === undefined ? undefined : await ctx.signingKey(repo).catch(() => undefined);
      await pushByRoute(repo, route, { node, log: ctx.log, ...(key === undefined ? {} : { key }) });
      setResult({ exitCode: ExitCode.ok });
    });

  program
    .command('pull')
    .description('fast-forward main (trust, feeds) and agents/<node> from the remote; refuses if the remote rewrote history')
    .option('--remote <url>', "repository URL (default: the clone's origin)")
    .option('--node <name>', "this node (default: $STELLA_NODE, the repository's node (stella config set node), config, host name)")
    .addHelpText('after', `${CREDENTIALS_HELP}\nWithout credentials and with edge: URL in the config file, the pull goes through the edge's read-only Git window.\nOnly changed paths of main are written to the work tree; files edited locally are kept and listed.`)
    .action(async (options: RemoteOptions, command: Command) => {
      const ctx = CommandContext.of(command);
      const node = await ctx.node(options.node);
      const repo = await ctx.openRepo();
      const route = await chooseRemoteRoute({ edge: (await ctx.config()).edge, remote: options.remote, home: ctx.home() });
      await pullByRoute(repo, route, { node, log: ctx.log });
      setResult({ exitCode: ExitCode.ok });
    });
}
