/**
 * An honest bundle near the limits, made by native git: a commit adding
 * three incompressible blobs of 90 MiB (a pack of about 270 MiB). A child
 * process runs the agent's own pack path on it — the bundle file read in
 * pieces, the pack spooled to a file (`pack-spool.ts`), inflated with
 * Node's zlib streams (`pack-limits.ts`) and indexed by core's indexer —
 * and reports its peak memory, which must stay under 256 MiB. Native git
 * then checks what was published (`verify-pack`, `fsck --strict`).
 *
 * The whole `stella sync import` of such a bundle (history check,
 * admission, work tree) is measured in `agent/sync/import-memory.test.ts`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shell } from '../../test/helpers/shell.js';
import { projectRoot } from '../../test/helpers/paths.js';
import { fsckStrict, git } from '../../test/helpers/repo.js';

const BLOB_BYTES = 90 * 1024 * 1024;
let root: string;
let bundle: string;
let tip: string;


beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-pack-memory-'));
  await git(root, 'init', '-q', '--bare', 'source.git');
  // fast-import writes its own pack (stored, not compressed: the bytes are random anyway) that `bundle create` copies as it is.
  tip = (
    await shell(
      join(root, 'source.git'),
      `{ for i in 1 2 3; do printf 'blob\\nmark :%s\\ndata ${BLOB_BYTES}\\n' $i; head -c ${BLOB_BYTES} /dev/urandom; printf '\\n'; done
         printf 'commit refs/heads/main\\ncommitter a <a@example.invalid> 1700000000 +0000\\ndata 17\\nthree large blobs\\n'
         for i in 1 2 3; do printf 'M 100644 :%s big-%s.bin\\n' $i $i; done; } | git -c core.compression=0 -c pack.compression=0 fast-import --quiet
       git -c pack.compression=0 bundle create -q ../near-limits.bundle main
       git rev-parse main`,
    )
  ).trim();
  bundle = join(root, 'near-limits.bundle');
  await git(root, 'init', '-q', '--bare', 'target.git');
}, 300_000);
afterAll(() => rm(root, { recursive: true, force: true }));

/** The child: splits the bundle, stages and publishes its pack with the agent's limits, prints what it kept and its peak RSS. */
const child = `
import * as fs from 'node:fs';
const [dist, bundle, gitdir] = process.argv.slice(1);
const { GitStore } = await import(dist + '/core/git/git-store.js');
const { splitBundle } = await import(dist + '/core/git/bundle-stream.js');
const { stagePack, publishPack } = await import(dist + '/core/git/pack-store.js');
const { packLimits } = await import(dist + '/agent/repo/pack-limits.js');
const store = new GitStore({ fs, dir: gitdir, gitdir });
const { pack, close } = await splitBundle(fs.createReadStream(bundle, { highWaterMark: 1 << 20 }), bundle);
const staged = await stagePack(store, pack, bundle, packLimits);
await close();
const published = await publishPack(store, staged, bundle, packLimits);
console.log(JSON.stringify({ objects: published.oids.size, peakKiB: process.resourceUsage().maxRSS }));
`;

describe('the agent keeps a 270 MiB pack from a bundle', () => {
  it('with peak memory under 256 MiB; git verify-pack and fsck --strict accept the result', async () => {
    expect((await stat(bundle)).size).toBeGreaterThan(3 * BLOB_BYTES);
    const target = join(root, 'target.git');
    const dist = pathToFileURL(join(projectRoot, 'dist')).href;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', child, dist, bundle, target], (error, out, stderr) => (error === null ? resolve(out) : reject(new Error(stderr))));
    });
    const report = JSON.parse(stdout) as { objects: number; peakKiB: number };
    console.log(`agent pack path, ${Math.round((await stat(bundle)).size / 2 ** 20)} MiB bundle: peak RSS ${Math.round(report.peakKiB / 1024)} MiB`);
    expect(report.objects).toBe(5);
    expect(report.peakKiB).toBeLessThan(256 * 1024);
    const idx = (await readdir(join(target, 'objects', 'pack'))).filter((name) => name.endsWith('.idx'));
    expect(idx).toHaveLength(1);
    await git(target, 'verify-pack', join(target, 'objects', 'pack', idx[0] as string));
    await git(target, 'update-ref', 'refs/heads/main', tip);
    await fsckStrict(target);
    expect((await readdir(join(target, 'objects'))).filter((name) => name.startsWith('tmp_'))).toEqual([]);
  }, 300_000);
});
