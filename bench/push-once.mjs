// Push and pull of one new report against a real `git http-backend` on
// loopback, in a repository already holding N reports: time and bytes on the
// wire (they must follow the change, not the repository).
// Usage: node bench/push-once.mjs N  →  {reports, pushMs, pushSent, pullMs, pullReceived}
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pullState } from '../dist/agent/remote/pull.js';
import { pushAgentBranch } from '../dist/agent/remote/push.js';
import { resolveRemote } from '../dist/agent/remote/remote.js';
import { initStateRepo, openStateRepo } from '../dist/agent/repo/state-repo.js';
import { loadKey } from '../dist/agent/repo/keystore.js';
import { scanTarget } from '../dist/agent/scan/scan.js';
import { SCAN_PREDICATE_TYPE } from '../dist/core/report/layout.js';
import { serializeReport } from '../dist/core/report/serialize.js';
import { bundleToJson, createBundle } from '../dist/core/sign/bundle.js';
import { sha256Hex } from '../dist/core/sign/encoding.js';
import { buildStatement } from '../dist/core/sign/intoto.js';

const run = promisify(execFile);
const N = Number(process.argv[2] ?? 1000);
const work = mkdtempSync(join(tmpdir(), 'stella-push-'));
const author = { name: 'bench', email: 'bench@example.invalid' };
const bytes = (s) => new TextEncoder().encode(s);

/**
 * One signed report folder, as `stella scan --commit` writes it (report, SBOM,
 * bundle with node, target, sequence and signing time): pull admits what it
 * fetches, so the repository must verify.
 */
async function signedReport(template, key, node, i) {
  const name = `t${i}`;
  const reportBytes = bytes(serializeReport({ ...template, target: { ...template.target, name } }));
  const sbom = bytes(`{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}"}\n`);
  const statement = buildStatement({
    subjects: [
      { name: 'report.json', sha256: await sha256Hex(reportBytes) },
      { name: 'sbom.cdx.json', sha256: await sha256Hex(sbom) },
    ],
    predicateType: SCAN_PREDICATE_TYPE,
    predicate: { node, target: { name }, sequence: 1, signedAt: new Date(0).toISOString() },
  });
  const folder = `findings/${node}/${name}`;
  return new Map([
    [`${folder}/report.json`, reportBytes],
    [`${folder}/sbom.cdx.json`, sbom],
    [`${folder}/report.sigstore.json`, bytes(`${bundleToJson(await createBundle(statement, key))}\n`)],
  ]);
}

/** `git http-backend` as CGI, one child per request (async only: never block this server). */
function serve(root) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const child = spawn('git', ['-c', 'http.receivepack=true', 'http-backend'], {
      env: { ...process.env, GIT_PROJECT_ROOT: root, GIT_HTTP_EXPORT_ALL: '1', PATH_INFO: url.pathname, QUERY_STRING: url.search.slice(1), REQUEST_METHOD: req.method, CONTENT_TYPE: req.headers['content-type'] ?? '', CONTENT_LENGTH: req.headers['content-length'] ?? '', HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '', GIT_PROTOCOL: req.headers['git-protocol'] ?? '' },
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headerDone = false;
    child.stdout.on('data', (chunk) => {
      if (headerDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headerDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const [k, ...v] = line.split(':');
        if (k.toLowerCase() === 'status') status = Number(v.join(':').trim().split(' ')[0]);
        else res.setHeader(k, v.join(':').trim());
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    child.on('close', () => res.end());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let server;
try {
  const home = join(work, 'home');
  const { repo: seed, keyId } = await initStateRepo(join(work, 'seed'), { node: 'bench', home });
  const key = await loadKey(home, keyId);
  const sbomFile = join(work, 'empty.cdx.json');
  writeFileSync(sbomFile, '{"bomFormat":"CycloneDX","specVersion":"1.6","components":[]}');
  const { report: template } = await scanTarget(sbomFile, { name: 'template' });
  const report = (node, i) => signedReport(template, key, node, i);
  for (let start = 0; start < N; start += 1000) {
    const changes = new Map();
    for (let i = start; i < Math.min(N, start + 1000); i++) for (const [p, b] of await report('bench', i)) changes.set(p, b);
    await seed.store.commit({ branch: 'agents/bench', startFrom: 'main', changes, message: `seed ${start}`, author });
  }
  await run('git', ['clone', '-q', '--bare', '--no-local', seed.dir, join(work, 'srv', 'state.git')]);
  server = await serve(join(work, 'srv'));
  const url = `http://127.0.0.1:${server.address().port}/state.git`;
  await run('git', ['clone', '-q', '--no-local', '--branch', 'main', url, join(work, 'agent')]);
  await run('git', ['-C', join(work, 'agent'), 'fetch', '-q', 'origin', 'agents/bench:agents/bench']);
  // A second clone, up to date now, will pull the one new report afterwards.
  await run('git', ['clone', '-q', '--no-local', '--branch', 'main', url, join(work, 'other')]);
  await run('git', ['-C', join(work, 'other'), 'fetch', '-q', 'origin', 'agents/bench:agents/bench']);
  const agent = await openStateRepo(join(work, 'agent'));
  const remote = await resolveRemote(agent.store.gitdir);
  await agent.store.commit({ branch: 'agents/bench', changes: await report('bench', N), message: 'one more', author });
  let t = performance.now();
  const pushed = await pushAgentBranch(agent.store, { node: 'bench', remote });
  const pushMs = performance.now() - t;

  const other = await openStateRepo(join(work, 'other'));
  t = performance.now();
  const pulled = await pullState(other, { node: 'bench', remote: await resolveRemote(other.store.gitdir) });
  const pullMs = performance.now() - t;
  console.log(JSON.stringify({ reports: N, pushMs, pushSent: pushed.wire.bytesSent, pullMs, pullReceived: pulled.wire.bytesReceived, pullStatus: pulled.agent.status }));
} finally {
  server?.close();
  rmSync(work, { recursive: true, force: true });
}
