// The agent service measured as a real process on loopback: prints one JSON line.
//   warm rescan of TARGET through the HTTP API: submit, then GET /v1/scans/:id?wait= (a long poll) until
//   done, as a client sees it; p50/p95 over N requests (every layer answered from the scan cache)
//   idle RSS of the agent (fresh, and again after the scans)
//   GET /healthz requests/s for SECONDS with a keep-alive Node client, with the client's and agent's CPU
// Usage: node bench/agent-once.mjs REPO TARGET DATADIR [N=100] [SECONDS=10]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';

const [repo, target, dataDir, n = '100', seconds = '10'] = process.argv.slice(2);
const root = new URL('..', import.meta.url).pathname;
const child = spawn(process.execPath, [join(root, 'bin', 'stella.js'), '--repo', repo, 'agent', '--port', '0', '--data-dir', dataDir], {
  env: { ...process.env, STELLA_NODE: process.env.STELLA_NODE ?? 'bench' },
  stdio: ['ignore', 'ignore', 'pipe'],
});
let log = '';
const port = await new Promise((resolve, reject) => {
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    log += chunk;
    const match = /"event":"listening","host":"[^"]+","port":(\d+)/.exec(log);
    if (match) resolve(Number(match[1]));
  });
  child.once('exit', (code) => reject(new Error(`agent exited (${code}):\n${log}`)));
});
const base = `http://127.0.0.1:${port}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssMB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
const agentCpuMs = () => {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
};

try {
  while ((await fetch(`${base}/readyz`)).status !== 200) await sleep(50);
  await sleep(2000);
  const idleRssMB = rssMB();

  const scanOnce = async () => {
    const started = performance.now();
    const { id } = await (await fetch(`${base}/v1/scans`, { method: 'POST', body: JSON.stringify({ target }) })).json();
    for (;;) {
      // A long poll: the agent answers as the scan ends (or after 10 s with the status then).
      const scan = await (await fetch(`${base}/v1/scans/${id}?wait=10000`)).json();
      if (scan.status === 'done') return performance.now() - started;
      if (scan.status === 'failed') throw new Error(scan.error);
    }
  };
  const coldMs = await scanOnce();
  const times = [];
  for (let i = 0; i < Number(n); i++) times.push(await scanOnce());
  times.sort((a, b) => a - b);
  const pct = (p) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)];
  await sleep(2000);
  const idleRssAfterMB = rssMB();

  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  let done = 0;
  const until = performance.now() + Number(seconds) * 1000;
  const clientCpu = process.cpuUsage();
  const agentCpu = agentCpuMs();
  const t0 = performance.now();
  const worker = () =>
    new Promise((resolve, reject) => {
      const next = () => {
        if (performance.now() >= until) return resolve();
        http
          .get(`${base}/healthz`, { agent }, (res) => {
            res.resume();
            res.on('end', () => {
              done += 1;
              next();
            });
          })
          .on('error', reject);
      };
      next();
    });
  await Promise.all(Array.from({ length: 16 }, worker));
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(clientCpu);
  agent.destroy();
  console.log(
    JSON.stringify({
      coldMs,
      warmP50Ms: pct(50),
      warmP95Ms: pct(95),
      warmRuns: times.length,
      idleRssMB,
      idleRssAfterMB,
      healthzRps: (done / elapsedMs) * 1000,
      clientCpuPct: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
      agentCpuPct: ((agentCpuMs() - agentCpu) / elapsedMs) * 100,
    }),
  );
} finally {
  child.kill('SIGTERM');
}
