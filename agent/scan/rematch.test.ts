/**
 * Re-matching cached targets after a feed import: two real images scanned
 * once with the cache; an import adds an advisory for a package only one
 * of them holds (axios 0.21.1, in debian-node's npm app). Re-matching reads
 * no image, marks that target changed and not the other, and gives the
 * report a fresh scan would. A VEX document imported on main alone (no
 * feed change) changes the decided findings of the one target it names.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { osvRecord } from '../../test/helpers/osv-record.js';
import { imagesDir, sharedData } from '../../test/helpers/paths.js';
import { tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import { ScanCache } from '../cache/scan-cache.js';
import { importOsv } from '../feeds/import-osv.js';
import { importVex } from '../vex/import.js';
import { rematchCached } from './rematch.js';
import type { RematchResult } from './rematch.js';
import { scanTarget } from './scan.js';
import type { ScanOutcome } from './scan.js';


/** The new outcome of a target that changed (fails the test when it did not). */
function outcomeOf(results: RematchResult[], target: string): ScanOutcome {
  const result = results.find((r) => r.target === target);
  if (result?.changed !== true) throw new Error(`${target} did not change`);
  return result.outcome;
}

let t: TempRepo;
let tmp: string;
let feed: string;
let nodeLayout: string;
let baseLayout: string;

beforeAll(async () => {
  t = await tempRepo();
  tmp = await mkdtemp(join(tmpdir(), 'stella-rematch-'));
  feed = join(tmp, 'feed');
  await mkdir(feed);
  await writeFile(join(feed, 'TEST-0001.json'), JSON.stringify(osvRecord('TEST-0001', 'npm', 'left-pad-never-installed', '9.9.9')));
  await importOsv(t.repo, [feed], { key: t.key });
  // Layout copies: the re-match must not need them, so they are deleted before it.
  nodeLayout = join(tmp, 'debian-node.oci');
  baseLayout = join(tmp, 'debian-base.oci');
  await cp(join(imagesDir, 'debian-node.oci'), nodeLayout, { recursive: true });
  await cp(join(imagesDir, 'debian-base.oci'), baseLayout, { recursive: true });
}, 120_000);
afterAll(async () => {
  await t.cleanup();
  await rm(tmp, { recursive: true, force: true });
});

describe('rematchCached', () => {
  it('after a feed import, reports the target whose findings changed and not the other, without reading either image', async () => {
    const cache = await ScanCache.open(join(tmp, 'cache'));
    try {
      const before = await scanTarget(nodeLayout, { repo: t.repo, cache });
      await scanTarget(baseLayout, { repo: t.repo, cache });
      expect(before.report.findings.map((f) => f.id)).not.toContain('TEST-0002');
      const unchanged = await rematchCached(cache, t.repo);
      expect(unchanged.map((r) => [r.target, r.changed])).toEqual([
        [baseLayout, false],
        [nodeLayout, false],
      ]);

      await writeFile(join(feed, 'TEST-0002.json'), JSON.stringify(osvRecord('TEST-0002', 'npm', 'axios', '0.21.2')));
      await importOsv(t.repo, [feed], { key: t.key });
      const fresh = await scanTarget(nodeLayout, { repo: t.repo });
      await rm(nodeLayout, { recursive: true });
      await rm(baseLayout, { recursive: true });

      const results = await rematchCached(cache, t.repo);
      expect(results.map((r) => [r.target, r.changed])).toEqual([
        [baseLayout, false],
        [nodeLayout, true],
      ]);
      const node = outcomeOf(results, nodeLayout);
      expect(node.report.findings.map((f) => f.id)).toContain('TEST-0002');
      expect(JSON.stringify(node.report)).toBe(JSON.stringify(fresh.report));
      expect(JSON.stringify(await node.sbom())).toBe(JSON.stringify(await fresh.sbom()));
      // Recorded: the same feed again changes nothing.
      expect((await rematchCached(cache, t.repo)).filter((r) => r.changed)).toEqual([]);

      // Real advisories (npm's OSV export): re-matched reports equal fresh scans', finding for finding.
      await importOsv(t.repo, [join(sharedData, 'osv', 'npm', 'all.zip')], { key: t.key });
      await cp(join(imagesDir, 'debian-node.oci'), nodeLayout, { recursive: true });
      const real = await scanTarget(nodeLayout, { repo: t.repo });
      expect(real.report.findings.length).toBeGreaterThan(5);
      const again = await rematchCached(cache, t.repo);
      expect(JSON.stringify(outcomeOf(again, nodeLayout).report)).toBe(JSON.stringify(real.report));

      // VEX alone: a statement on one of debian-node's findings changes that target's decided findings only.
      const finding = real.report.findings[0];
      if (finding === undefined) throw new Error('debian-node has no finding');
      const vexFile = join(tmp, 'not-affected.openvex.json');
      await writeFile(
        vexFile,
        JSON.stringify({
          '@context': 'https://openvex.dev/ns/v0.2.0',
          '@id': 'https://example.com/vex/rematch-test',
          author: 'rematch test',
          timestamp: '2026-01-01T00:00:00Z',
          version: 1,
          statements: [{ vulnerability: { name: finding.id }, products: [{ '@id': finding.purl }], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' }],
        }),
      );
      await importVex(t.repo, [vexFile], { key: t.key });
      const vexed = await scanTarget(nodeLayout, { repo: t.repo });
      const vexedFinding = vexed.report.findings.find((f) => f.id === finding.id && f.purl === finding.purl);
      expect(vexedFinding?.status).toBe('not_affected');
      const afterVex = await rematchCached(cache, t.repo);
      expect(afterVex.map((r) => [r.target, r.changed])).toEqual([
        [baseLayout, false],
        [nodeLayout, true],
      ]);
      expect(JSON.stringify(outcomeOf(afterVex, nodeLayout).report)).toBe(JSON.stringify(vexed.report));
      expect((await rematchCached(cache, t.repo)).filter((r) => r.changed)).toEqual([]);
    } finally {
      await cache.close();
    }
  }, 180_000);
});
