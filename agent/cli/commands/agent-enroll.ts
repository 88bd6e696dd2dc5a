/**
 * `stella agent enroll --edge URL --token T`: enroll this node with an edge
 * (for nodes that hold no Git credentials). Makes the node key (or uses
 * `--key`), registers its public half with the one-time token, and records
 * the enrollment under $STELLA_HOME so later requests to the edge can get
 * DPoP-bound access tokens.
 */
import type { Command } from 'commander';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

/**
 * Adds `enroll` under the `stella agent` command.
 * @example registerAgentEnroll(program.command('agent'), setResult);
 */
export function registerAgentEnroll(agent: Command, setResult: SetResult): void {
  agent
    .command('enroll')
    .description('register this node\'s key with an edge, spending a one-time enrollment token')
    .requiredOption('--edge <url>', "the edge's origin, e.g. https://edge.example")
    .requiredOption('--token <token>', 'the one-time token from `stella edge token create`')
    .option('--key <keyid>', 'enroll this existing key from $STELLA_HOME/keys (default: make a new one)')
    .addHelpText(
      'after',
      '\nA new key is written to $STELLA_HOME/keys/<keyid>.pem; the enrollment to $STELLA_HOME/edge.json.\n' +
        'The edge proposes the key as the node\'s report key on enroll/<node> of the state repository;\n' +
        'reports it signs verify once people sign and merge that change (stella trust sign).\n\n' +
        'Example:\n  stella agent enroll --edge https://edge.example --token stet_…',
    )
    .action(async (options: { edge: string; token: string; key?: string }, command: Command) => {
      const ctx = CommandContext.of(command);
      // Loaded here: `stella agent` itself never needs the edge client.
      const { enrollAtEdge } = await import('../../edge/enroll.js');
      const result = await enrollAtEdge({ edge: options.edge, token: options.token, home: ctx.home(), keyId: options.key });
      ctx.log.info(
        `enrolled as node ${result.node} at ${result.edge} with ${result.createdKey ? 'new' : 'existing'} key ${result.keyId.slice(0, 12)}…; ` +
          (result.status === 'proposed' ? `proposed on ${result.branch} (${(result.commit ?? '').slice(0, 12)}) for review` : `recorded by the edge; an admin enrolls it in the trust root (${result.branch})`),
        { node: result.node, edge: result.edge, keyId: result.keyId, status: result.status, branch: result.branch, commit: result.commit },
      );
      process.stdout.write(`${result.node} ${result.keyId}\n`);
      setResult({ exitCode: ExitCode.ok });
    });
}
