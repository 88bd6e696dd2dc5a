/** `stella agent`: the node agent as a service (HTTP API, schedule, durable queue), or `--once` for timers and CI. */
import type { Command } from 'commander';
import { resolveServiceSettings, type ServiceFlags } from '../../service/settings.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';
import { registerAgentEnroll } from './agent-enroll.js';

interface AgentOptions extends ServiceFlags {
  once?: boolean;
  node?: string;
}

/**
 * Registers `stella agent`.
 * @example registerAgent(program, setResult); // stella agent --port 7480
 */
export function registerAgent(program: Command, setResult: SetResult): void {
  const agent = program
    .command('agent')
    .description('run the node agent: an HTTP API for scans, the schedule of nodes/<node>/schedule.yaml, a durable job queue; --once for timers and CI; enroll with an edge')
    .option('--port <n>', 'port to listen on (default: $STELLA_PORT, agent.port in the config file, 7480; 0 picks a free one)')
    .option('--host <addr>', 'address to listen on (default 127.0.0.1; any other needs a token: $STELLA_AGENT_TOKEN or agent.token)')
    .option('--data-dir <dir>', 'queue and layer cache (default: $STELLA_DATA_DIR, agent.dataDir, $STELLA_HOME/agent)')
    .option('--queue-max <n>', 'jobs that may wait before POST /v1/scans answers 429 (default 100)')
    .option('--node <name>', "this node (default: $STELLA_NODE, the repository's node (stella config set node), config, host name)")
    .option('--once', 'pull, run every due scheduled scan and any job left from a crash, push, and exit')
    .addHelpText(
      'after',
      '\nLogs are JSON lines when stderr is not a terminal. SIGTERM stops taking work, finishes or requeues the running job, and exits within 10 s.\n' +
        'API: POST /v1/scans, GET /v1/scans/:id, /v1/targets, /v1/findings, /healthz, /readyz, /metrics, /openapi.json.\n' +
        'Examples:\n  stella agent\n  STELLA_AGENT_TOKEN=$(cat /etc/stella/token) stella agent --host 0.0.0.0\n  stella agent --once',
    )
    .action(async (options: AgentOptions, command: Command) => {
      const ctx = CommandContext.of(command);
      const config = await ctx.config();
      const settings = resolveServiceSettings(options, config);
      const repo = await ctx.openRepo();
      const node = await ctx.node(options.node);
      let signer: Promise<{ node: string; key: Awaited<ReturnType<CommandContext['signingKey']>> }> | undefined;
      const runtime = {
        repo,
        node,
        home: ctx.home(),
        log: ctx.log,
        ...(config.edge === undefined ? {} : { edge: config.edge }),
        // Checked when a job first needs it: an agent that only scans without committing needs no key.
        signer: () => (signer ??= ctx.reportSigner(repo, options.node)),
        pushKey: () => (repo.signingKeyId === undefined ? Promise.resolve(undefined) : ctx.signingKey(repo).catch(() => undefined)),
      };
      // Only the way the agent runs is loaded (a service never loads --once's code, nor the other way round).
      if (options.once === true) {
        const { runOnce } = await import('../../service/once.js');
        const failed = await runOnce({ ...runtime, dataDir: settings.dataDir, queueMax: settings.queueMax, timers: false });
        setResult({ exitCode: failed > 0 ? ExitCode.error : ExitCode.ok });
        return;
      }
      const { serveAgent } = await import('../../service/server.js');
      await serveAgent({ ...runtime, settings });
      setResult({ exitCode: ExitCode.ok });
    });
  registerAgentEnroll(agent, setResult);
}
