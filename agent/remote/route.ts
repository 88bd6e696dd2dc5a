/**
 * Which way a node's push and pull go — straight to the Git remote, or
 * through the edge — decided in one place for every caller: `stella push`,
 * `stella pull` and the agent service's scheduled (and `--once`) push and
 * pull jobs. A node goes through the edge when its config names one
 * (`edge: URL`), no `--remote` was given, and it holds no Git credentials:
 * then the edge, which holds them, verifies and commits its reports, and
 * serves it a read-only Git window authenticated with the node's
 * DPoP-bound token. A pull through the edge is the same `pullNodeState`
 * (and so the same admission check on every ref move) as a direct one.
 *
 * @example
 *   const route = await chooseRemoteRoute({ edge: config.edge, home });
 *   await pushByRoute(repo, route, { node, log, key });
 *   await pullByRoute(repo, route, { node, log });
 */
import { StellaError } from '../../core/errors.js';
import type { SigningKey } from '../../core/sign/keys.js';
import { edgeClientConfig, edgeFetch, type EdgeFetch } from '../edge/client.js';
import type { Logger } from '../log.js';
import type { StateRepo } from '../repo/state-repo.js';
import { resolveCredentials } from './credentials.js';
import { edgeGitTransport, edgeGitUrl } from './edge-git.js';
import { pushThroughEdge } from './edge-push.js';
import { pullNodeState, pushNodeBranch } from './operations.js';

/** Where a push or pull goes. */
export type RemoteRoute =
  /** The Git remote: `remote`, or the clone's origin when absent. */
  | { $case: 'git'; remote?: string }
  /** The edge at `edge`, reached with the node's authenticated client. */
  | { $case: 'edge'; edge: string; fetch: EdgeFetch };

export interface RouteInputs {
  /** The config's `edge:` URL, if any. */
  edge?: string | undefined;
  /** An explicit repository URL (`--remote`): always the Git remote. */
  remote?: string | undefined;
  /** $STELLA_HOME, where `stella agent enroll` left the node's edge enrollment and key. */
  home: string;
}

/**
 * The route for these inputs (see the module comment). Throws CONFIG_INVALID naming
 * `stella agent enroll` when the edge route is chosen but this home never enrolled.
 * @example (await chooseRemoteRoute({ edge: 'https://edge.example', home })).$case // 'edge' without Git credentials
 */
export async function chooseRemoteRoute(inputs: RouteInputs): Promise<RemoteRoute> {
  if (inputs.edge === undefined || inputs.remote !== undefined || (await resolveCredentials()) !== undefined) {
    return inputs.remote === undefined ? { $case: 'git' } : { $case: 'git', remote: inputs.remote };
  }
  return { $case: 'edge', edge: inputs.edge, fetch: edgeFetch(await edgeClientConfig(inputs.home)) };
}

/** What a push or pull by route needs besides the route. */
export interface RouteRun {
  node: string;
  log: Logger;
  /** Re-signs a report another process of the node outran (direct push only: through the edge, the edge commits). */
  key?: SigningKey;
}

/**
 * Sends the node's reports the chosen way and logs what happened.
 * @example await pushByRoute(repo, route, { node: 'edge-1', log });
 */
export async function pushByRoute(repo: StateRepo, route: RemoteRoute, run: RouteRun): Promise<void> {
  switch (route.$case) {
    case 'edge': {
      const result = await pushThroughEdge(repo.store, { edge: route.edge, node: run.node, fetch: route.fetch });
      const committed = result.reports.filter((r) => r.status === 'committed').length;
      run.log.info(`sent ${result.reports.length} reports of ${result.branch} through the edge ${route.edge}: ${committed} committed`, { ...result });
      return;
    }
    case 'git':
      await pushNodeBranch(repo, { node: run.node, log: run.log, ...remoteOf(route), ...(run.key === undefined ? {} : { key: run.key }) });
      return;
    default:
      throw unknownRoute(route);
  }
}

/**
 * Fast-forwards main and agents/<node> the chosen way (every move admitted) and logs what changed.
 * @example await pullByRoute(repo, route, { node: 'edge-1', log });
 */
export async function pullByRoute(repo: StateRepo, route: RemoteRoute, run: RouteRun): Promise<void> {
  switch (route.$case) {
    case 'edge':
      await pullNodeState(repo, { node: run.node, log: run.log, remote: edgeGitUrl(route.edge), http: edgeGitTransport(route.fetch) });
      return;
    case 'git':
      await pullNodeState(repo, { node: run.node, log: run.log, ...remoteOf(route) });
      return;
    default:
      throw unknownRoute(route);
  }
}

function remoteOf(route: { remote?: string }): { remote?: string } {
  return route.remote === undefined ? {} : { remote: route.remote };
}

function unknownRoute(route: never): StellaError {
  return new StellaError('INTERNAL', `unknown remote route ${String((route as { $case?: unknown }).$case)}`);
}
