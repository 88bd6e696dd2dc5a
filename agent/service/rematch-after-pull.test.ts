/**
 * The agent after a pull that brought new feeds: two real images scanned
 * and committed once with the data dir's cache; an import adds an advisory
 * for a package only one of them holds (axios, in debian-node's npm app).
 * The re-match reads no image, commits a new signed report for that target
 * only, and the repository still verifies.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { osvRecord } from '../../test/helpers/osv-record.js';
import { agentBranch } from '../../core/report/layout.js';
import { imagesDir } from '../../test/helpers/paths.js';
import { git, tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import { importOsv } from '../feeds/import-osv.js';
import { createLogger } from '../log.js';
import { scanAndCommit } from '../scan/scan-and-commit.js';
import { rematchAfterPull } from './rematch-after-pull.js';
import { closeScanCaches, scanCacheFor } from './scan-cache-handle.js';


let t: TempRepo;
let tmp: string;

beforeAll(async () => {
  t = await tempRepo('rematch-node');
  tmp = await mkdtemp(join(tmpdir(), 'stella-rematch-pull-'));
}, 60_000);
afterAll(async () => {
  await closeScanCaches();
  await t.cleanup();
  await rm(tmp, { recursive: true, force: true });
});

describe('rematchAfterPull', () => {
  it('commits a new report only for the cached target whose findings the new feed changed, reading no image', async () => {
    const feed = join(tmp, 'feed');
    await mkdir(feed);
    await writeFile(join(feed, 'TEST-0001.json'), JSON.stringify(osvRecord('TEST-0001', 'npm', 'left-pad-never-installed', '9.9.9')));
    await importOsv(t.repo, [feed], { key: t.key });
    const cacheDir = join(tmp, 'cache');
    const cache = await scanCacheFor(cacheDir);
    const signer = { node: t.node, key: t.key };
    const targets = [join(tmp, 'debian-node.oci'), join(tmp, 'debian-base.oci')];
    await cp(join(imagesDir, 'debian-node.oci'), targets[0] as string, { recursive: true });
    await cp(join(imagesDir, 'debian-base.oci'), targets[1] as string, { recursive: true });
    for (const target of targets) await scanAndCommit(target, { repo: t.repo, cache, signer });
    const branch = agentBranch(t.node);
    const commitsBefore = Number((await git(t.repo.dir, 'rev-list', '--count', branch)).trim());

    await writeFile(join(feed, 'TEST-0002.json'), JSON.stringify(osvRecord('TEST-0002', 'npm', 'axios', '0.21.2')));
    await importOsv(t.repo, [feed], { key: t.key });
    for (const target of targets) await rm(target, { recursive: true });

    const summary = await rematchAfterPull({ repo: t.repo, node: t.node, cacheDir, signer: async () => signer, log: createLogger({ json: true, quiet: true }) });
    expect(summary).toMatchObject({ targets: 2, changed: 1 });
    expect(summary.committed).toHaveLength(1);
    expect(summary.committed[0]).toMatch(/debian-node/);
    expect(Number((await git(t.repo.dir, 'rev-list', '--count', branch)).trim())).toBe(commitsBefore + 1);
    const report = JSON.parse(await git(t.repo.dir, 'show', `${branch}:${summary.committed[0] as string}/report.json`)) as { findings: { id: string }[] };
    expect(report.findings.map((f) => f.id)).toContain('TEST-0002');
    await git(t.repo.dir, 'fsck', '--strict');
  }, 240_000);
});
