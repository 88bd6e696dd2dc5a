// Cold scan of debian-node, whole process against its floor, for bench/run.mjs:
//   OCI archive: `node bench/scan-once.mjs REPO image` ÷ `node bench/floor.mjs gunzip LAYERS` (goal ≤ 1.0)
//   docker save: the same scan ÷ `node bench/floor.mjs read FILE` (its layers are not compressed)
// Each a fresh process, scan and floor interleaved RUNS times so machine load hits both alike;
// medians of the wall time (process start to exit), with the in-process figures each prints,
// the CPU time (user + system, every thread) and the peak RSS. The CPU time bounds the ratio
// from below: a scan cannot finish before its CPU time spread over every core.
// "Cold" is the image: no layer cache. The CLI's compiled code is cached as after any earlier
// run (bin/stella.js loads it through agent/cli/bundle-loader.ts), in a code cache folder of
// this bench's own, made by one scan before the measured ones; a third process in each round
// scans with the code cache off, as the very first run on a machine does.
// Run alone: `node bench/cold-scan.mjs REPO [IMAGES]` (REPO: a state repository with the feeds
// imported, or - for none).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const fmt = (ms) => `${(ms / 1000).toFixed(3)} s`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** One fresh process: its wall time from spawn to exit, and the JSON it printed last ({ms, rssMB, …}). */
async function timed(script, args, env = {}) {
  const started = performance.now();
  const { stdout } = await run(process.execPath, [join(root, 'bench', script), ...args], { maxBuffer: 16 << 20, env: { ...process.env, ...env } });
  const wallMs = performance.now() - started;
  return { wallMs, ...JSON.parse(stdout.trim().split('\n').pop()) };
}

/** Scan, floor and scan without code cache, interleaved `runs` times: medians of wall and in-process time, peak RSS. */
async function pair(scanArgs, floorArgs, runs) {
  const codeCache = mkdtempSync(join(tmpdir(), 'stella-bench-code-'));
  try {
    await timed('scan-once.mjs', scanArgs, { STELLA_CODE_CACHE: codeCache });
    const scans = [];
    const floors = [];
    const uncached = [];
    for (let i = 0; i < runs; i++) {
      scans.push(await timed('scan-once.mjs', scanArgs, { STELLA_CODE_CACHE: codeCache }));
      floors.push(await timed('floor.mjs', floorArgs));
      uncached.push(await timed('scan-once.mjs', scanArgs, { STELLA_CODE_CACHE: 'off' }));
    }
    const summary = (results) => ({
      wallMs: median(results.map((r) => r.wallMs)),
      ms: median(results.map((r) => r.ms)),
      cpuMs: median(results.map((r) => r.cpuMs)),
      faults: median(results.map((r) => r.faults)),
      peakRssMB: Math.max(...results.map((r) => r.rssMB)),
    });
    return { scan: { ...summary(scans), components: scans[0].components, findings: scans[0].findings }, floor: summary(floors), uncached: summary(uncached) };
  } finally {
    rmSync(codeCache, { recursive: true, force: true });
  }
}

/** The OCI archive's layer blobs, from the layout folder the images come with. */
function layerBlobs(images) {
  const layout = join(images, 'debian-node.oci');
  const blob = (digest) => join(layout, 'blobs', 'sha256', digest.slice(7));
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
  return manifest.layers.map((layer) => blob(layer.digest));
}

/** Measures both rows; the lines bench/run.mjs prints. */
export async function coldScanLines({ repo, images, runs }) {
  const loadBefore = loadavg()[0];
  const oci = await pair([repo, join(images, 'debian-node.oci.tar')], ['gunzip', ...layerBlobs(images)], runs);
  const docker = await pair([repo, join(images, 'debian-node.docker.tar')], ['read', join(images, 'debian-node.docker.tar')], runs);
  const loadAfter = loadavg()[0];
  const lines = [
    '| target | scan, whole process | floor, whole process | ratio | goal | scan in-process | floor in-process | in-process ratio | scan CPU | floor CPU | page faults, scan / floor | scan peak RSS | scan without code cache, ratio |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, floorName, { scan, floor, uncached }, goal] of [['OCI archive', 'gunzip layers', oci, '≤ 1.0'], ['docker save', 'read file', docker, '—']]) {
    lines.push(
      `| ${name} | ${fmt(scan.wallMs)} | ${floorName} ${fmt(floor.wallMs)} | ${(scan.wallMs / floor.wallMs).toFixed(2)} | ${goal} | ${fmt(scan.ms)} | ${fmt(floor.ms)} | ${(scan.ms / floor.ms).toFixed(2)} | ${fmt(scan.cpuMs)} | ${fmt(floor.cpuMs)} | ${scan.faults} / ${floor.faults} | ${scan.peakRssMB.toFixed(0)} MB (goal ≤ 200 MB) | ${fmt(uncached.wallMs)}, ${(uncached.wallMs / floor.wallMs).toFixed(2)} |`,
    );
  }
  const cores = availableParallelism();
  lines.push(
    `OCI archive: the scan's CPU time over ${cores} cores is ${fmt(oci.scan.cpuMs / cores)}, so no schedule of this work can finish under ${(oci.scan.cpuMs / cores / oci.floor.wallMs).toFixed(2)}× the floor's wall time here`,
  );
  lines.push(`(${oci.scan.components} components, ${oci.scan.findings} findings; median of ${runs} fresh processes each, scan, floor and uncached scan interleaved; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after)`);
  return { lines, oci, docker };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [repo = '-', images = join(process.env.STELLA_TEST_CACHE ?? join(root, '.cache'), 'images')] = process.argv.slice(2);
  const { lines } = await coldScanLines({ repo, images, runs: Number(process.env.BENCH_RUNS ?? 5) });
  for (const line of lines) console.log(line);
}
