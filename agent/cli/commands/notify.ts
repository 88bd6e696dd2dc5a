/** `stella notify flush`: deliver the notifications waiting in the outbox. */
import type { Command } from 'commander';
import { toolVersion } from '../../package-root.js';
import { flushOutbox, logDeliveries } from '../../notify/notify.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

/** Adds `stella notify` and its `flush` subcommand. */
export function registerNotify(program: Command, setResult: SetResult): void {
  const notify = program.command('notify').description("deliver notifications (new fail verdicts, new KEV findings) to the routes in stella.yaml");
  notify
    .command('flush')
    .description('send the events waiting in the outbox ($STELLA_HOME/notify/outbox) whose digest is due, retrying those that could not be delivered')
    .option('--all', 'send every waiting event now, whatever its route\'s digest interval')
    .addHelpText('after', '\nEvents are queued when `stella scan --commit` commits a report; those not delivered stay in the outbox.\nExit code 1 when some events are still undelivered.\nExample:\n  stella notify flush --all')
    .action(async (options: { all?: boolean }, command: Command) => {
      const ctx = CommandContext.of(command);
      const repo = await ctx.openRepo();
      const now = new Date();
      const { deliveries, orphaned } = await flushOutbox({
        repo,
        home: ctx.home(),
        delivery: { env: process.env, now, ignoreDigest: options.all === true, userAgent: `stella/${toolVersion()}` },
      });
      logDeliveries(ctx.log, deliveries);
      for (const name of orphaned) ctx.log.warn(`notify: the outbox holds events for route ${name}, which stella.yaml no longer has; they are kept`, { route: name });
      const sent = deliveries.reduce((n, d) => n + d.sent, 0);
      const kept = deliveries.reduce((n, d) => n + d.kept, 0);
      ctx.log.info(`notify flush: ${sent} event(s) sent, ${kept} kept for a later attempt`, { sent, kept });
      setResult({ exitCode: kept > 0 ? 1 : ExitCode.ok });
    });
}
