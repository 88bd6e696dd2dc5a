/**
 * `stella push` and `stella pull` as one call each, with their messages
 * logged: shared by the CLI commands (`cli/commands/remote.ts`) and the
 * agent service's push and pull jobs, so both say and do the same thing.
 *
 * @example
 *   const result = await pushNodeBranch(repo, { node: 'edge-1', log });
 */
import { StellaError } from '../../core/errors.js';
import type { SigningKey } from '../../core/sign/keys.js';
import type { Logger } from '../log.js';
import type { StateRepo } from '../repo/state-repo.js';
import { resolveCredentials } from './credentials.js';
import { pullState, type PullResult } from './pull.js';
import { pushAgentBranch, type PushResult } from './push.js';
import { resolveRemote } from './remote.js';
import type { Transport } from './session.js';

/** What a push or pull of one node's clone needs. */
export interface RemoteRun {
  node: string;
  log: Logger;
  /** Repository URL; default: the clone's origin. */
  remote?: string;
  /** Re-signs a report another process of the node outran (push only). */
  key?: SigningKey;
  /** The transport Git's requests go through (pull only; default: the global fetch), e.g. the edge client. */
  http?: Transport;
}

/**
 * Pushes agents/<node> to the remote (replaying on a lost race) and logs what happened.
 * @example await pushNodeBranch(repo, { node: 'edge-1', log, key });
 */
export async function pushNodeBranch(repo: StateRepo, run: RemoteRun): Promise<PushResult> {
  const remote = await resolveRemote(repo.store.gitdir, run.remote);
  const result = await pushAgentBranch(repo.store, {
    node: run.node,
    remote,
    credentials: await resolveCredentials(),
    ...(run.key === undefined ? {} : { key: run.key }),
    onEvent: (event) => {
      switch (event.$case) {
        case 'replayed':
          run.log.info(`another writer pushed first: replayed ${event.replayed} local commits onto ${event.onto.slice(0, 12)}`, { ...event });
          break;
        case 'retry':
          run.log.warn(`push refused (${event.reason}); retrying in ${event.delayMs} ms`, { ...event });
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
  run.log.info(summary, { ...result });
  return result;
}

/**
 * Fast-forwards main and agents/<node> from the remote and logs what changed.
 * @example const { main } = await pullNodeState(repo, { node: 'edge-1', log });
 */
export async function pullNodeState(repo: StateRepo, run: RemoteRun): Promise<PullResult> {
  const remote = await resolveRemote(repo.store.gitdir, run.remote);
  const result = await pullState(repo, { node: run.node, remote, credentials: await resolveCredentials(), ...(run.http === undefined ? {} : { http: run.http }) });
  for (const path of result.main.keptLocalEdits) run.log.warn(`${path}: edited locally, left as it is (main has a newer version)`, { path });
  const { main, agent } = result;
  const mainText = main.status === 'fast-forwarded' || main.status === 'created' ? `main → ${main.to?.slice(0, 12)} (${main.changedPaths} paths changed)` : `main ${main.status}`;
  const agentText = agent.status === 'absent' ? `${agent.branch} not on the remote` : `${agent.branch} ${agent.status}`;
  run.log.info(`pulled from ${result.remote}: ${mainText}; ${agentText}; ${result.wire.bytesReceived} bytes received`, { ...result });
  if (agent.status === 'diverged' || agent.status === 'ahead') run.log.info(`run stella push to send the local commits of ${agent.branch}`);
  return result;
}
