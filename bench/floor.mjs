// The floors a scan is compared with, in a fresh process:
//   gunzip FILE...  Node's zlib gunzipping the files (64 KiB chunks), output discarded
//   read FILE       reading the file from start to end
// Prints {ms, rssMB, cpuMs, faults} (cpuMs: user + system CPU of the whole process, every thread;
// faults: minor page faults).
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

const [mode, ...files] = process.argv.slice(2);
const sink = () => new Writable({ write(_chunk, _enc, done) { done(); } });
const started = performance.now();
for (const file of files) {
  if (mode === 'gunzip') await pipeline(createReadStream(file, { highWaterMark: 1 << 16 }), createGunzip({ chunkSize: 1 << 16 }), sink());
  else await pipeline(createReadStream(file, { highWaterMark: 1 << 16 }), sink());
}
const ms = performance.now() - started;
const usage = process.resourceUsage();
console.log(JSON.stringify({ ms, rssMB: usage.maxRSS / 1024, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, faults: usage.minorPageFault }));
