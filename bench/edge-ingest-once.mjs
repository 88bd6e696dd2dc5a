// Ingest in the local Worker (Miniflare, the bundled edge) with a real `git
// http-backend` on loopback as its state repository, 10 agents (nodes):
//
// - sustained: each agent posts signed reports one after another, as fast as
//   answers come back → accepted (verified, queued) reports per second and
//   latency percentiles;
// - burst: each agent posts a batch of reports all at once → how many commits
//   the Durable Objects' coalescing made for them, and the time until every
//   one is committed.
//
// Latency is from sending POST /v1/reports to its 202 answer (verified, stored,
// queued); time-to-committed is from the first POST of a phase until every
// report of it reads `committed` (committed at …/s is reports over that time).
// Agent authentication is the test Worker's header (token and DPoP checks
// belong to the authority and are not measured here). Locally every Durable
// Object shares one workerd thread, and the Git server is a CGI process per
// request — six git processes per push, about 0.1 s of CPU on the same
// cores — so the numbers are a floor for a deployment, not a forecast. The
// Git server runs in a process of its own: its spawns would otherwise stall
// this process's event loop, which times the agents' requests. A commit
// round gathers reports for up to about 3 s, so with the default 20 reports
// per agent (about a second at the goal's rate) no push overlaps the
// sustained phase; pass a larger count (e.g. 60) to see pushes compete.
// Usage: node bench/edge-ingest-once.mjs [agents] [reportsPerAgent]  →  one JSON line
import { build } from 'esbuild';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const AGENTS = Number(process.argv[2] ?? 10);
const PER_AGENT = Number(process.argv[3] ?? 20);

// The harness is TypeScript shared with the tests: bundle it for Node, packages left external.
const harnessFile = join(root, 'dist', 'bench', 'edge-harness.mjs');
await build({ entryPoints: [join(root, 'edge', 'edge-harness.test-helper.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: harnessFile, logLevel: 'silent' });
const { bundleTestWorker, edgeFixture, sampleReport, signedSubmission, startEdge } = await import(harnessFile);
const serverFile = join(root, 'dist', 'bench', 'git-http-server.mjs');
await build({
  stdin: { contents: `import { startGitHttpServer } from './test/helpers/git-http-server.ts'; const s = await startGitHttpServer({ root: process.argv[2] }); console.log(s.url); process.stdin.resume(); process.stdin.on('end', () => s.close().then(() => process.exit(0)));`, resolveDir: root, loader: 'ts' },
  bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: serverFile, logLevel: 'silent',
});

const nodes = Array.from({ length: AGENTS }, (_, i) => `n${i + 1}`);
const fixture = await edgeFixture(nodes.slice(2));
const server = spawn(process.execPath, [serverFile, fixture.server.root], { stdio: ['pipe', 'pipe', 'inherit'] });
const [serverUrl] = (await once(server.stdout, 'data')).map((chunk) => chunk.toString().trim());
const edge = await startEdge(await bundleTestWorker(), fixture.url.replace(fixture.server.url, serverUrl), { QUOTA_REPORTS_PER_MINUTE: '100000' });
// dispatchFetch: Miniflare's own client (Node's global fetch reuses sockets workerd has closed).
const post = (node, body) => edge.mf.dispatchFetch(`${edge.url}/v1/reports`, { method: 'POST', headers: { 'x-test-node': node }, body });
const git = async (...args) => (await run('git', args, { cwd: fixture.bare })).stdout.trim();
const commitsOf = async () => {
  let n = 0;
  for (const node of nodes) n += Number(await git('rev-list', '--count', `agents/${node}`, '^main').catch(() => '0'));
  return n;
};

async function accept(node, body) {
  const answer = await post(node, body);
  const record = await answer.json();
  if (answer.status !== 202) throw new Error(`${node}: ${answer.status} ${JSON.stringify(record)}`);
  return record.digest;
}

async function settle(pairs) {
  for (const [node, digest] of pairs) {
    for (;;) {
      const record = await (await edge.mf.dispatchFetch(`${edge.url}/v1/reports/${digest}`, { headers: { 'x-test-node': node } })).json();
      if (record.status === 'committed') break;
      if (record.status === 'failed') throw new Error(`${node}: ${record.reason}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

try {
  // Signed before any clock starts: the agents' signing is not the edge's cost.
  const bodies = new Map();
  for (const node of nodes) {
    const key = fixture.keys.get(node);
    const list = [];
    for (let i = 0; i < 2 * PER_AGENT + 1; i++) list.push(JSON.stringify(await signedSubmission(key, node, sampleReport(`target-${i}`))));
    bodies.set(node, list);
  }
  // Warm-up: one report per node brings each Durable Object's mirror of main.
  const warm = await Promise.all(nodes.map(async (node) => [node, await accept(node, bodies.get(node)[2 * PER_AGENT])]));
  await settle(warm);

  const latencies = [];
  const sustained = [];
  let start = performance.now();
  await Promise.all(
    nodes.map(async (node) => {
      for (const body of bodies.get(node).slice(0, PER_AGENT)) {
        const t = performance.now();
        sustained.push([node, await accept(node, body)]);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const acceptMs = performance.now() - start;
  await settle(sustained);
  const sustainedCommittedMs = performance.now() - start;
  const beforeBurst = await commitsOf();

  start = performance.now();
  const burst = (await Promise.all(nodes.map((node) => Promise.all(bodies.get(node).slice(PER_AGENT, 2 * PER_AGENT).map(async (body) => [node, await accept(node, body)]))))).flat();
  await settle(burst);
  const burstMs = performance.now() - start;
  const burstCommits = (await commitsOf()) - beforeBurst;

  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  const reports = AGENTS * PER_AGENT;
  console.log(
    JSON.stringify({
      agents: AGENTS,
      reports,
      acceptedPerSecond: (reports / acceptMs) * 1000,
      sustainedCommittedPerSecond: (reports / sustainedCommittedMs) * 1000,
      sustainedAllCommittedMs: sustainedCommittedMs,
      p50Ms: pct(50),
      p99Ms: pct(99),
      sustainedCommits: beforeBurst - AGENTS,
      burstReports: reports,
      burstCommits,
      burstCommittedPerSecond: (reports / burstMs) * 1000,
      burstAllCommittedMs: burstMs,
    }),
  );
} finally {
  await edge.close();
  server.stdin.end();
  await once(server, 'exit');
  await fixture.close();
}
