/**
 * `stella edge token create --node N --edge URL`: the operator asks the edge
 * for a one-time enrollment token for node N and hands it to that node
 * (`stella agent enroll`). The edge's admin secret is read from
 * $STELLA_EDGE_ADMIN_SECRET, never from a flag.
 */
import type { Command } from 'commander';
import { StellaError } from '../../../core/errors.js';
import { ADMIN_SECRET_ENV, createEnrollmentToken } from '../../edge/admin.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

/**
 * Registers `stella edge` and `stella edge token create`.
 * @example registerEdge(program, setResult); // stella edge token create --node edge-2 --edge https://edge.example
 */
export function registerEdge(program: Command, setResult: SetResult): void {
  const edge = program.command('edge').description('operate a Stella edge: create one-time enrollment tokens for nodes');
  const token = edge.command('token').description('enrollment tokens');
  token
    .command('create')
    .description('ask the edge for a one-time enrollment token for a node and print it')
    .requiredOption('--node <name>', 'the node the token lets enroll')
    .requiredOption('--edge <url>', "the edge's origin, e.g. https://edge.example")
    .option('--ttl <seconds>', 'how long the token stays usable (default 86400, at most 7 days)')
    .addHelpText(
      'after',
      `\nThe edge's admin secret is read from $${ADMIN_SECRET_ENV}. The token is printed on stdout, once; hand it to the node,\n` +
        'which runs: stella agent enroll --edge URL --token TOKEN\n\n' +
        'Example:\n  STELLA_EDGE_ADMIN_SECRET=… stella edge token create --node edge-2 --edge https://edge.example',
    )
    .action(async (options: { node: string; edge: string; ttl?: string }, command: Command) => {
      const ctx = CommandContext.of(command);
      const adminSecret = (process.env[ADMIN_SECRET_ENV] ?? '').trim();
      if (adminSecret === '') throw new StellaError('USAGE', `set $${ADMIN_SECRET_ENV} to the edge's admin secret`);
      const ttlSeconds = options.ttl === undefined ? undefined : Number(options.ttl);
      if (ttlSeconds !== undefined && !Number.isInteger(ttlSeconds)) throw new StellaError('USAGE', `--ttl ${options.ttl ?? ''}: a whole number of seconds`);
      const created = await createEnrollmentToken({ edge: options.edge, adminSecret, node: options.node, ttlSeconds });
      ctx.log.info(`enrollment token for node ${created.node} created at ${options.edge}; usable once, until ${created.expiresAt}`, { node: created.node, expiresAt: created.expiresAt });
      process.stdout.write(`${created.token}\n`);
      setResult({ exitCode: ExitCode.ok });
    });
}
