/**
 * The read side of the edge.
 *
 * For agents (behind the agent authentication): what a pull needs, by
 * commit id — feeds, VEX, policy packs, exceptions, the trust root and the
 * mesh settings — with the blob id as a strong ETag, so `If-None-Match`
 * answers 304 and a file of a commit is cacheable for ever:
 *
 *   GET /v1/state/refs                           { main: <commit>, agents/<node>: <commit>, … }
 *   GET /v1/state/<commit>/files/<path>          a file's bytes, or a folder's entries as JSON
 *
 * For the dashboard (read-only JSON of what the pages show; the operator's
 * session cookie from the login, 401 without it):
 *
 *   GET /v1/dashboard/nodes | /v1/dashboard/targets
 *   GET /v1/dashboard/targets/<node>/<target>           the latest report and its scan history
 *   GET /v1/dashboard/targets/<node>/<target>/diff?from=<commit>&to=<commit>
 *
 * @example app.route('/', readRoutes(requireAgent()));
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { diffReports } from '../../core/report/review.js';
import { requireOperator } from '../auth/require-operator.js';
import type { EdgeEnv } from '../env.js';
import { ProblemError } from '../problem.js';
import { readMirror } from './mirror.js';
import { buildOverview, reportAt, scanHistory, type TargetView } from './overview.js';

/** What agents may read through the edge: the inputs of a scan, never other nodes' findings. */
const SERVED = /^(feeds|vex|policies|exceptions|trust)(\/|$)|^stella\.yaml(\.jws)?$/;

/**
 * The read routes; the agent-facing ones behind `auth`.
 * @example new Hono<EdgeEnv>().route('/', readRoutes(auth))
 */
export function readRoutes(auth: MiddlewareHandler<EdgeEnv>): Hono<EdgeEnv> {
  const routes = new Hono<EdgeEnv>();
  const operator = requireOperator('api');
  routes.get('/v1/state/refs', auth, async (c) => {
    const { tips } = await readMirror(c.env);
    return c.json(Object.fromEntries([...tips].filter(([, tip]) => tip !== undefined)));
  });
  routes.get('/v1/state/:commit{[0-9a-f]{40}}/files/*', auth, serveFile);
  routes.get('/v1/dashboard/nodes', operator, async (c) => c.json((await overview(c)).nodes));
  routes.get('/v1/dashboard/targets', operator, async (c) => c.json((await overview(c)).targets.map(({ report: _report, ...rest }) => rest)));
  routes.get('/v1/dashboard/targets/:node/:slug', operator, async (c) => {
    const target = await findTarget(c);
    const { remote, tips } = await readMirror(c.env);
    const history = await scanHistory(remote.store, tips.get(target.branch) as string, `findings/${target.node}/${target.slug}`);
    return c.json({ ...target, history });
  });
  routes.get('/v1/dashboard/targets/:node/:slug/diff', operator, async (c) => c.json(await targetDiff(c)));
  return routes;
}

async function serveFile(c: Context<EdgeEnv>): Promise<Response> {
  const commit = c.req.param('commit') as string;
  const path = decodeURIComponent(new URL(c.req.url).pathname.split('/files/').slice(1).join('/files/')).replace(/\/+$/, '');
  if (!SERVED.test(path)) throw new ProblemError(403, 'path-not-served', 'Not served to agents', `${path} is not a feed, VEX, policy, exception, trust or settings path`);
  const { remote } = await readMirror(c.env);
  if (!(await remote.store.hasCommit(commit))) throw new ProblemError(404, 'commit-unknown', 'Unknown commit', `the state repository has no commit ${commit} on main or an agent branch`);
  const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  const name = path.slice(parent.length === 0 ? 0 : parent.length + 1);
  const entry = (await remote.store.listFolder(commit, parent)).find((e) => e.path === name);
  if (entry === undefined) throw new ProblemError(404, 'path-unknown', 'No such path', `${path} does not exist at ${commit}`);
  const etag = `"${entry.oid}"`;
  const headers = { etag, 'cache-control': 'public, max-age=31536000, immutable' };
  if ((c.req.header('if-none-match') ?? '').split(',').some((tag) => tag.trim() === etag)) return new Response(null, { status: 304, headers });
  if (entry.type === 'tree') {
    const entries = (await remote.store.listFolder(commit, path)).map((e) => ({ name: e.path, type: e.type, oid: e.oid }));
    return Response.json({ commit, path, entries }, { headers });
  }
  const bytes = new Uint8Array(await remote.store.readBlob(entry.oid));
  return new Response(bytes, { headers: { ...headers, 'content-type': 'application/octet-stream' } });
}

/** The overview for the current tips. */
export async function overview(c: Context<EdgeEnv>): ReturnType<typeof buildOverview> {
  const { remote, tips } = await readMirror(c.env);
  return buildOverview(remote.store, tips);
}

/** The target named by the route's `node` and `slug`, or 404. */
export async function findTarget(c: Context<EdgeEnv>): Promise<TargetView> {
  const node = c.req.param('node');
  const slug = c.req.param('slug');
  const target = (await overview(c)).targets.find((t) => t.node === node && t.slug === slug);
  if (target === undefined) throw new ProblemError(404, 'target-unknown', 'No such target', `no report of target ${slug ?? ''} on node ${node ?? ''}`);
  return target;
}

/** The diff between the target's reports at `from` and `to` (two commits of its history). */
export async function targetDiff(c: Context<EdgeEnv>): Promise<ReturnType<typeof diffReports> & { from: string; to: string }> {
  const target = await findTarget(c);
  const from = c.req.query('from') ?? '';
  const to = c.req.query('to') ?? '';
  if (!/^[0-9a-f]{40}$/.test(from) || !/^[0-9a-f]{40}$/.test(to)) throw new ProblemError(400, 'bad-request', 'Two scans needed', 'give from= and to= as commit ids from the target\'s scan history');
  const { remote } = await readMirror(c.env);
  const folder = `findings/${target.node}/${target.slug}`;
  for (const commit of [from, to]) if (!(await remote.store.hasCommit(commit))) throw new ProblemError(404, 'commit-unknown', 'Unknown commit', `no commit ${commit} in the state repository`);
  return { from, to, ...diffReports(await reportAt(remote.store, from, folder), await reportAt(remote.store, to, folder)) };
}
