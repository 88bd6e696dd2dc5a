// Registry pulls and the scan cache, for bench/run.mjs:
//   cold scan of debian-node pulled from docker-registry on loopback ÷ the same scan from the OCI archive (goal ≤ 1.3)
//   scan with the cache: cold (empty cache) vs warm (every layer and the image cached)
//   re-match of 100 cached SBOMs after a feed update (goal ≤ 2 s)
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const fmt = (ms) => `${(ms / 1000).toFixed(3)} s`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startRegistry(dir) {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const config = join(dir, 'registry.yml');
  writeFileSync(config, ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'storage')}`, 'http:', `  addr: 127.0.0.1:${port}`, ''].join('\n'));
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false)) return { host, child };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill();
  throw new Error('docker-registry did not start');
}

/** The lines to print; `node(script, args)` runs a bench script in a fresh process. */
export async function registryLines({ repo, home, work, images, node, runs }) {
  const lines = [];
  const oci = join(images, 'debian-node.oci.tar');
  const base = join(images, 'debian-base.oci.tar');
  const registry = await startRegistry(join(work, 'registry'));
  try {
    await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${oci}`, `docker://${registry.host}/bench/debian-node:1`]);
    const target = `registry://${registry.host}/bench/debian-node:1`;
    // Interleaved, so drift on a shared machine hits both sides alike.
    const archive = [];
    const pulled = [];
    for (let i = 0; i < runs; i++) {
      archive.push((await node('scan-once.mjs', [repo, oci])).ms);
      pulled.push((await node('scan-once.mjs', [repo, target])).ms);
    }
    const ratio = median(pulled) / median(archive);
    lines.push(`cold scan pulled from docker-registry on loopback ${fmt(median(pulled))} ÷ the same from the OCI archive ${fmt(median(archive))} = ${ratio.toFixed(2)} (goal ≤ 1.3; median of ${runs}, scan time in a fresh process)`);

    for (const [name, path] of [['OCI archive', oci], ['registry', target]]) {
      const cold = [];
      const warm = [];
      for (let i = 0; i < runs; i++) {
        const dir = join(work, `cache-${name.replace(/\W/g, '')}-${i}`);
        cold.push(await node('cache-once.mjs', [repo, path, dir]));
        warm.push(await node('cache-once.mjs', [repo, path, dir]));
      }
      const c = median(cold.map((r) => r.ms));
      const w = median(warm.map((r) => r.ms));
      const hits = warm[0];
      lines.push(`scan with --cache, ${name}: cold ${fmt(c)}, warm ${fmt(w)} (${(c / w).toFixed(1)}× faster; warm: ${hits.imageHits} image hit, ${hits.layerMisses} layer misses; includes opening the cache and matching)`);
    }

    const rematch = [];
    for (let i = 0; i < runs; i++) rematch.push(await node('rematch-once.mjs', [repo, home, oci, base, '100', join(work, `rematch-${i}`)]));
    const r = rematch.sort((a, b) => a.ms - b.ms)[Math.floor(rematch.length / 2)];
    lines.push(`re-match of ${r.targets} cached SBOMs after a feed update: ${fmt(r.ms)} (goal ≤ 2 s; ${r.changed} changed; the import before it took ${fmt(r.importMs)})`);
  } finally {
    registry.child.kill('SIGTERM');
  }
  return lines;
}
