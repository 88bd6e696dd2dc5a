// Ingest in the local Worker (Miniflare, the bundled edge) with a real `git
// http-backend` on loopback as its state repository, 10 agents (nodes),
// three phases one after another, each from a quiet edge:
//
// - closed loop: each agent posts signed reports one after another, as fast
//   as answers come back → the most verified reports per second the edge
//   sustains, and latency percentiles. Latency here is about agents/rate (an
//   agent waits for each answer), so it says little about the goal's latency;
// - open loop: the agents together offer a fixed rate (default 200 reports/s,
//   each agent 1/agents of it on a fixed schedule, staggered) for several
//   seconds, so several commit rounds push while reports keep coming.
//   Latency is from each report's SCHEDULED send time to its 202, so a stall
//   of the edge (or of this process) counts fully for every report it delays
//   (no coordinated omission) → p50/p99 and the rate achieved;
// - burst: each agent posts a batch of reports all at once → how many commits
//   the Durable Objects' coalescing made for them, and the time until every
//   one is committed.
//
// A 202 means verified, stored and queued; "committed" times run from the
// first POST of a phase until every node's object has pushed all of it (the
// objects' own idle signal), then the branches are checked to hold every
// report's folder. Agent authentication is the test Worker's header (token
// and DPoP checks belong to the authority and are not measured here).
// Locally every Durable Object shares one workerd thread, and the Git server
// is a CGI process per request — six git processes per push, about 0.1 s of
// CPU on the same cores — so the numbers are a floor for a deployment, not a
// forecast. The Git server runs in a process of its own: its spawns would
// otherwise stall this process's event loop, which times the agents'
// requests; and at a lower CPU priority (nice 10), as the remote it stands
// for would not share the edge's cores (its CPU per report is printed). A commit round gathers reports while they keep coming, for up to
// about 3 s, so a closed loop of 20 or 60 reports per agent (well under a
// second at the rates measured) ends before any push: the open loop, 8 s by
// default, is where pushes overlap the accepts. STELLA_EDGE_INSPECT=PORT opens workerd's inspector and names
// each phase on stderr as it starts (to cut a CPU profile by phase). Where
// /proc is there, CPU time per report is given too — workerd's (accept to
// commit, all its threads), the Git server's with its git processes, and
// this client's: on a shared machine it moves far less with the load than
// latencies do, and it shows what competes for the cores.
// Usage: node bench/edge-ingest-once.mjs [agents] [reportsPerAgent] [openSeconds (8; 0: no open loop)] [openRatePerSecond (200)]  →  one JSON line
import { build } from 'esbuild';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { once } from 'node:events';
import { join } from 'node:path';
import { loadavg, setPriority } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const AGENTS = Number(process.argv[2] ?? 10);
const PER_AGENT = Number(process.argv[3] ?? 20);
const OPEN_SECONDS = Number(process.argv[4] ?? 8);
const OPEN_RATE = Number(process.argv[5] ?? 200);

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
// The Git server stands in for the remote (a Git host, another machine in a deployment): at a lower
// CPU priority its pushes (its git processes inherit it) take the cores only when the Worker and
// the agents leave them idle, instead of preempting the edge they would never share cores with.
// Its CPU per report is still measured and printed.
setPriority(server.pid ?? 0, 10);
const [serverUrl] = (await once(server.stdout, 'data')).map((chunk) => chunk.toString().trim());
const edge = await startEdge(await bundleTestWorker(), fixture.url.replace(fixture.server.url, serverUrl), { QUOTA_REPORTS_PER_MINUTE: '100000' });
// The agents' requests go over plain node:http with keep-alive, as an agent's client would: Miniflare's
// dispatchFetch cost this process more CPU per report than the whole Worker spent on it, on the same cores.
// A socket workerd closed is not reused (Node's global fetch did reuse them); a request never sent on one
// is retried once on a fresh connection.
const keepAlive = new Agent({ keepAlive: true, maxSockets: AGENTS * 4 });
const post = (node, body) => postOnce(node, body).catch((error) => (error.code === 'ECONNRESET' && error.retriable ? postOnce(node, body) : Promise.reject(error)));
function postOnce(node, body) {
  return new Promise((resolve, reject) => {
    const req = request(`${edge.url}/v1/reports`, { method: 'POST', agent: keepAlive, headers: { 'x-test-node': node, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, json: async () => JSON.parse(Buffer.concat(chunks).toString()) }));
      res.on('error', reject);
    });
    req.on('error', (error) => reject(Object.assign(error, { retriable: req.reusedSocket })));
    req.end(body);
  });
}
const git = async (...args) => (await run('git', args, { cwd: fixture.bare })).stdout.trim();
const commitsOf = async () => {
  let n = 0;
  for (const node of nodes) n += Number(await git('rev-list', '--count', `agents/${node}`, '^main').catch(() => '0'));
  return n;
};

const namespace = await edge.mf.getDurableObjectNamespace('NODE');

/** Clock ticks of a process from /proc: its own user and system time, and with `children` its reaped children's too. */
function ticksOf(pid, children = false) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const after = fields.slice(fields.lastIndexOf(')') + 2).split(' ').map(Number);
  return after[11] + after[12] + (children ? after[13] + after[14] : 0);
}

/**
 * CPU time (ms) used so far by workerd (all threads), by the Git server with the git processes it ran, and by
 * this process (the agents' client), or NaN where /proc is not there. Per report these are figures the shared
 * machine's load does not skew the way it skews latencies, and they show what competes for the cores.
 */
function cpuMs() {
  try {
    const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/);
    const workerd = children.filter((pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').includes('(workerd)'));
    const { user, system } = process.cpuUsage();
    return { workerd: workerd.length === 0 ? Number.NaN : workerd.reduce((n, pid) => n + ticksOf(pid), 0) * 10, git: ticksOf(server.pid, true) * 10, client: (user + system) / 1000 };
  } catch {
    return { workerd: Number.NaN, git: Number.NaN, client: Number.NaN };
  }
}

/** CPU per report since `before` (a cpuMs() result), by process. */
function cpuPerReport(before, reports) {
  const now = cpuMs();
  return { workerd: (now.workerd - before.workerd) / reports, git: (now.git - before.git) / reports, client: (now.client - before.client) / reports };
}
const phase = (name) => process.env.STELLA_EDGE_INSPECT && console.error(`phase ${name}`);

async function accept(node, body) {
  const answer = await post(node, body);
  const record = await answer.json();
  if (answer.status !== 202) throw new Error(`${node}: ${answer.status} ${JSON.stringify(record)}`);
  return record.digest;
}

/** Resolves once every node's object has committed all it accepted; then each branch must hold every report's folder. */
async function settle(targets) {
  await Promise.all(nodes.map((node) => namespace.get(namespace.idFromName(node)).fetch('https://node/idle', { method: 'POST' }).then((r) => r.arrayBuffer())));
  const elapsed = performance.now();
  for (const node of nodes) {
    const folders = new Set((await git('ls-tree', '-d', '--name-only', `agents/${node}`, `findings/${node}/`)).split('\n'));
    const missing = targets.filter((target) => !folders.has(`findings/${node}/${target}`));
    if (missing.length > 0) throw new Error(`${node}: ${missing.length} accepted report(s) not on agents/${node}, e.g. ${missing[0]}`);
  }
  return elapsed;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The open-loop phase (see the header): the answers' latencies from their scheduled times, the rate, CPU and commits. */
async function openLoop(slice, targets, perAgent) {
  phase('open');
  const latencies = [];
  let lastAnswer = 0;
  const interval = (1000 * AGENTS) / OPEN_RATE;
  const commitsBefore = await commitsOf();
  const cpu = cpuMs();
  const start = performance.now();
  // Each agent on its own fixed schedule, the agents staggered evenly across one interval.
  await Promise.all(
    nodes.map(async (node, index) => {
      const sent = [];
      for (const [k, body] of slice(node).entries()) {
        const due = start + (index * interval) / AGENTS + k * interval;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        sent.push(
          accept(node, body).then(() => {
            const now = performance.now();
            lastAnswer = Math.max(lastAnswer, now);
            latencies.push(now - due);
          }),
        );
      }
      await Promise.all(sent);
    }),
  );
  const reports = AGENTS * perAgent;
  const scheduleMs = (perAgent - 1) * interval + ((AGENTS - 1) * interval) / AGENTS;
  const committedMs = (await settle(targets)) - start;
  const used = cpuPerReport(cpu, AGENTS * perAgent);
  latencies.sort((a, b) => a - b);
  return {
    openReports: reports,
    openOfferedPerSecond: reports > 1 ? ((reports - 1) / scheduleMs) * 1000 : 0,
    openAchievedPerSecond: (reports / (lastAnswer - start)) * 1000,
    openP50Ms: percentile(latencies, 50),
    openP99Ms: percentile(latencies, 99),
    openMaxMs: latencies[latencies.length - 1],
    openCommits: (await commitsOf()) - commitsBefore,
    openWorkerdCpuMsPerReport: used.workerd,
    openGitServerCpuMsPerReport: used.git,
    openClientCpuMsPerReport: used.client,
    openAllCommittedMs: committedMs,
  };
}

try {
  // Signed before any clock starts: the agents' signing is not the edge's cost. Each report is its own target.
  const openPerAgent = Math.round((OPEN_SECONDS * OPEN_RATE) / AGENTS);
  const ranges = { warm: [0, 1], closed: [1, 1 + PER_AGENT], open: [1 + PER_AGENT, 1 + PER_AGENT + openPerAgent] };
  ranges.burst = [ranges.open[1], ranges.open[1] + PER_AGENT];
  const targetsOf = ([from, to]) => Array.from({ length: to - from }, (_, i) => `target-${from + i}`);
  const bodies = new Map();
  for (const node of nodes) {
    const key = fixture.keys.get(node);
    const list = [];
    for (let i = 0; i < ranges.burst[1]; i++) list.push(JSON.stringify(await signedSubmission(key, node, sampleReport(`target-${i}`))));
    bodies.set(node, list);
  }
  const slice = (node, [from, to]) => bodies.get(node).slice(from, to);
  // Warm-up: one report per node brings each Durable Object's mirror of main.
  await Promise.all(nodes.map((node) => accept(node, slice(node, ranges.warm)[0])));
  await settle(targetsOf(ranges.warm));
  let commitsBefore = await commitsOf();

  phase('closed');
  const latencies = [];
  const cpu = cpuMs();
  let start = performance.now();
  await Promise.all(
    nodes.map(async (node) => {
      for (const body of slice(node, ranges.closed)) {
        const t = performance.now();
        await accept(node, body);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const acceptMs = performance.now() - start;
  const sustainedCommittedMs = (await settle(targetsOf(ranges.closed))) - start;
  const closedCpu = cpuPerReport(cpu, AGENTS * PER_AGENT);
  const sustainedCommits = (await commitsOf()) - commitsBefore;
  commitsBefore += sustainedCommits;

  const open = openPerAgent === 0 ? undefined : await openLoop((node) => slice(node, ranges.open), targetsOf(ranges.open), openPerAgent);
  commitsBefore += open?.openCommits ?? 0;

  phase('burst');
  start = performance.now();
  await Promise.all(nodes.map((node) => Promise.all(slice(node, ranges.burst).map((body) => accept(node, body)))));
  const burstMs = (await settle(targetsOf(ranges.burst))) - start;
  const burstCommits = (await commitsOf()) - commitsBefore;
  phase('end');

  latencies.sort((a, b) => a - b);
  const reports = AGENTS * PER_AGENT;
  console.log(
    JSON.stringify({
      agents: AGENTS,
      reports,
      acceptedPerSecond: (reports / acceptMs) * 1000,
      sustainedCommittedPerSecond: (reports / sustainedCommittedMs) * 1000,
      sustainedAllCommittedMs: sustainedCommittedMs,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      sustainedCommits,
      closedWorkerdCpuMsPerReport: closedCpu.workerd,
      closedGitServerCpuMsPerReport: closedCpu.git,
      closedClientCpuMsPerReport: closedCpu.client,
      ...open,
      burstReports: reports,
      burstCommits,
      burstCommittedPerSecond: (reports / burstMs) * 1000,
      burstAllCommittedMs: burstMs,
      loadAverage: loadavg()[0],
    }),
  );
} finally {
  // A profiler attached through STELLA_EDGE_INSPECT gets a moment to collect before workerd goes away.
  if (process.env.STELLA_EDGE_INSPECT) await sleep(3000);
  await edge.close();
  server.stdin.end();
  await once(server, 'exit');
  await fixture.close();
}
