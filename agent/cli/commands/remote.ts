/** `stella push` and `stella pull`: exchange the state repository with its remote over smart HTTP(S). */
import type { Command } from 'commander';
import { StellaError } from '../../../core/errors.js';
import { resolveCredentials } from '../../remote/credentials.js';
import { pullState } from '../../remote/pull.js';
import { pushThroughEdge, type EdgeFetch } from '../../remote/edge-push.js';
import { pushAgentBranch } from '../../remote/push.js';
import { resolveRemote } from '../../remote/remote.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

interface RemoteOptions {
  remote?: string;
  node?: string;
}

const CREDENTIALS_HELP =
  '\nCredentials (sent only when the server asks; never written to the repository):\n' +
  '  STELLA_GIT_USERNAME + STELLA_GIT_PASSWORD, or STELLA_GIT_TOKEN, or remote: {username, password | token} in the config file.';

/**
 * How this node reaches the edge. Plain `fetch` until the agent's DPoP
 * client (enrollment and tokens, the edge's authority) is wired in here.
 */
const edgeFetch: EdgeFetch = (url, init) => fetch(url, init);

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
      const credentials = await resolveCredentials();
      const { edge } = await ctx.config();
      if (edge !== undefined && credentials === undefined && options.remote === undefined) {
        // No Git credentials on this node: the edge verifies and commits its reports.
        const result = await pushThroughEdge(repo.store, { edge, node, fetch: edgeFetch });
        const committed = result.reports.filter((r) => r.status === 'committed').length;
        ctx.log.info(`sent ${result.reports.length} reports of ${result.branch} through the edge ${edge}: ${committed} committed`, { ...result });
        setResult({ exitCode: ExitCode.ok });
        return;
      }
      const remote = await resolveRemote(repo.store.gitdir, options.remote);
      // The node's key, when this clone has one: a report another process of the node outran is re-signed at the next sequence.
      const key = repo.signingKeyId === undefined ? undefined : await ctx.signingKey(repo).catch(() => undefined);
      const result = await pushAgentBranch(repo.store, {
        node,
        remote,
        credentials,
        ...(key === undefined ? {} : { key }),
        onEvent: (event) => {
          switch (event.$case) {
            case 'replayed':
              ctx.log.info(`another writer pushed first: replayed ${event.replayed} local commits onto ${event.onto.slice(0, 12)}`, { ...event });
              break;
            case 'retry':
              ctx.log.warn(`push refused (${event.reason}); retrying in ${event.delayMs} ms`, { ...event });
              break;
            default:
              throw new StellaError('INTERNAL', `unknown push event ${String((event as { $case?: unknown }).$case)}`);
          }
        },
      });
      const summary =
        result.status === 'pushed'
          ? `pushed ${result.branch} to ${result.remote} (${result.commit.slice(0, 12)}): ${result.commits} commits, ${result.objects} objects, ${result.wire.bytesSent} bytes sent`
          : `${result.branch} is up to date on ${result.remote} (${result.commit.slice(0, 12)})`;
      ctx.log.info(summary, { ...result });
      setResult({ exitCode: ExitCode.ok });
    });

  program
    .command('pull')
    .description('fast-forward main (trust, feeds) and agents/<node> from the remote; refuses if the remote rewrote history')
    .option('--remote <url>', "repository URL (default: the clone's origin)")
    .option('--node <name>', "this node (default: $STELLA_NODE, the repository's node (stella config set node), config, host name)")
    .addHelpText('after', `${CREDENTIALS_HELP}\nOnly changed paths of main are written to the work tree; files edited locally are kept and listed.`)
    .action(async (options: RemoteOptions, command: Command) => {
      const ctx = CommandContext.of(command);
      const node = await ctx.node(options.node);
      const repo = await ctx.openRepo();
      const credentials = await resolveCredentials();
      const { edge } = await ctx.config();
      if (edge !== undefined && credentials === undefined && options.remote === undefined) {
        // No Git credentials on this node: the edge verifies and commits its reports.
        const result = await pushThroughEdge(repo.store, { edge, node, fetch: edgeFetch });
        const committed = result.reports.filter((r) => r.status === 'committed').length;
        ctx.log.info(`sent ${result.reports.length} reports of ${result.branch} through the edge ${edge}: ${committed} committed`, { ...result });
        setResult({ exitCode: ExitCode.ok });
        return;
      }
      const remote = await resolveRemote(repo.store.gitdir, options.remote);
      const result = await pullState(repo, { node, remote, credentials: await resolveCredentials() });
      for (const path of result.main.keptLocalEdits) ctx.log.warn(`${path}: edited locally, left as it is (main has a newer version)`, { path });
      const { main, agent } = result;
      const mainText = main.status === 'fast-forwarded' || main.status === 'created' ? `main → ${main.to?.slice(0, 12)} (${main.changedPaths} paths changed)` : `main ${main.status}`;
      const agentText = agent.status === 'absent' ? `${agent.branch} not on the remote` : `${agent.branch} ${agent.status}`;
      ctx.log.info(`pulled from ${result.remote}: ${mainText}; ${agentText}; ${result.wire.bytesReceived} bytes received`, { ...result });
      if (agent.status === 'diverged' || agent.status === 'ahead') ctx.log.info(`run stella push to send the local commits of ${agent.branch}`);
      setResult({ exitCode: ExitCode.ok });
    });
}
