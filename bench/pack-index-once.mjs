// Keeping a large received pack: ours (the agent's pack path — spooled to a file, Node's zlib,
// core's indexer, published by rename — in a fresh process per run, for its peak RSS) against
// native `git index-pack` on the same pack. The pack is native git's: two incompressible blobs of
// 64 MiB and 3 commits of 2,000 small files (offset deltas). Prints {oursMs, gitMs, ratio,
// peakRssMB, packMB, objects} as JSON; times are medians of RUNS alternating runs.
// Usage: node bench/pack-index-once.mjs        (needs `npm run build`)
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const dist = pathToFileURL(new URL('../dist', import.meta.url).pathname).href;
const sh = (cwd, script) => run('sh', ['-ec', script], { cwd, maxBuffer: 1 << 20 });

const child = `
import * as fs from 'node:fs';
const [dist, packFile, gitdir] = process.argv.slice(1);
const { GitStore } = await import(dist + '/core/git/git-store.js');
const { storePack } = await import(dist + '/core/git/pack-store.js');
const { packLimits } = await import(dist + '/agent/repo/pack-limits.js');
const started = performance.now();
const published = await storePack(new GitStore({ fs, dir: gitdir, gitdir }), fs.createReadStream(packFile, { highWaterMark: 1 << 20 }), packFile, packLimits);
console.log(JSON.stringify({ ms: performance.now() - started, objects: published.oids.size, peakKiB: process.resourceUsage().maxRSS }));
`;

const work = mkdtempSync(join(tmpdir(), 'stella-pack-bench-'));
try {
  const source = join(work, 'source');
  await run('git', ['init', '-q', source]);
  await sh(
    source,
    `{ for i in 1 2; do printf 'blob\\nmark :%s\\ndata 67108864\\n' $i; head -c 67108864 /dev/urandom; printf '\\n'; done
       printf 'commit refs/heads/blobs\\ncommitter a <a@example.invalid> 1700000000 +0000\\ndata 6\\nblobs\\nM 100644 :1 a.bin\\nM 100644 :2 b.bin\\n'; } | git fast-import --quiet`,
  );
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 2000; i++) {
      mkdirSync(join(source, `d${i % 20}`), { recursive: true });
      writeFileSync(join(source, `d${i % 20}`, `f${i}.json`), Array.from({ length: 30 }, (_, k) => `{"file":${i},"line":${k},"round":${k === round ? round : 0}}\n`).join(''));
    }
    await sh(source, `git add . && git -c user.name=a -c user.email=a@example.invalid commit -qm round${round}`);
  }
  const packFile = join(work, 'big.pack');
  await sh(source, `git pack-objects --stdout --revs --delta-base-offset > ${packFile} <<EOF\nHEAD\nblobs\nEOF`);

  const ours = [];
  const native = [];
  let last;
  let peakKiB = 0;
  for (let i = 0; i < RUNS; i++) {
    const target = join(work, `ours-${i}.git`);
    await run('git', ['init', '-q', '--bare', target]);
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', child, dist, packFile, target], { maxBuffer: 1 << 20 });
    last = JSON.parse(stdout);
    ours.push(last.ms);
    peakKiB = Math.max(peakKiB, last.peakKiB);
    rmSync(target, { recursive: true, force: true });
    const t0 = performance.now();
    await run('git', ['index-pack', '-o', join(work, 'native.idx'), packFile], { cwd: source });
    native.push(performance.now() - t0);
  }
  const oursMs = median(ours);
  const gitMs = median(native);
  console.log(JSON.stringify({ oursMs, gitMs, ratio: oursMs / gitMs, peakRssMB: peakKiB / 1024, packMB: statSync(packFile).size / 2 ** 20, objects: last.objects }));
} finally {
  rmSync(work, { recursive: true, force: true });
}
