/**
 * Distro-aware matching on real data: the Debian security tracker's DSA and
 * DLA lists imported by content, then SBOMs of bullseye (11) and buster (10)
 * source packages with versions on both sides of real fixed versions —
 * with the real `dpkg --compare-versions` as the oracle for what must match.
 * Also: KEV and EPSS enrich the findings they name.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianTrackerListToOsv } from '../core/feeds/debian/to-osv.js';
import type { OsvRecord } from '../core/model/osv.js';
import { verifyRepository } from '../core/verify/verify-repo.js';
import { importOsv } from '../agent/feeds/import-osv.js';
import { MAIN_BRANCH } from '../agent/repo/state-repo.js';
import { scanTarget } from '../agent/scan/scan.js';
import { sharedData } from './helpers/paths.js';
import { fsckStrict, tempRepo, type TempRepo } from './helpers/repo.js';

const TRACKER = join(sharedData, 'debian-security-tracker');

/** dpkg as the oracle: true when a < b. */
async function dpkgLess(pairs: [string, string][]): Promise<boolean[]> {
  const script = pairs.map(([a, b]) => `dpkg --compare-versions '${a}' lt '${b}' && echo 1 || echo 0`).join('\n');
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn('sh', ['-s'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`sh exited ${code}`))));
    child.stdin.end(script);
  });
  return stdout.trim().split('\n').map((line) => line === '1');
}

interface Probe {
  release: '10' | '11';
  source: string;
  version: string;
}

describe('Debian DSA/DLA matching by source package and release', () => {
  let t: TempRepo;
  let records: OsvRecord[];
  let work: string;

  beforeAll(async () => {
    t = await tempRepo();
    work = await mkdtemp(join(tmpdir(), 'stella-distro-'));
    // Imported by content: the files are just called `list`.
    const summary = await importOsv(t.repo, [join(TRACKER, 'DSA', 'list'), join(TRACKER, 'DLA', 'list')], { key: t.key });
    expect(summary.added).toBe(5406 + 3534);
    records = [
      ...debianTrackerListToOsv(await readFile(join(TRACKER, 'DSA', 'list')), 'DSA/list').records,
      ...debianTrackerListToOsv(await readFile(join(TRACKER, 'DLA', 'list')), 'DLA/list').records,
    ];
  });
  afterAll(async () => {
    await t.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  it('matches exactly the advisories dpkg says apply, on both sides of real fixed versions', async () => {
    // Source packages with several advisories in a release: the interesting boundaries.
    const fixes = new Map<string, string[]>(); // "release\0source" → fixed versions
    for (const record of records) {
      for (const affected of record.affected ?? []) {
        const eco = affected.package?.ecosystem;
        if (eco !== 'Debian:10' && eco !== 'Debian:11') continue;
        const fixed = affected.ranges?.[0]?.events.find((e) => e.fixed !== undefined)?.fixed;
        if (fixed === undefined) continue;
        const key = `${eco.slice(7)}\u0000${affected.package?.name}`;
        fixes.set(key, [...(fixes.get(key) ?? []), fixed]);
      }
    }
    const chosen = [...fixes].filter(([, versions]) => versions.length >= 3).sort(([a], [b]) => (a < b ? -1 : 1)).filter((_, i) => i % 4 === 0).slice(0, 40);
    expect(chosen.length).toBeGreaterThan(20);
    const probes: Probe[] = [];
    for (const [key, versions] of chosen) {
      const [release, source] = key.split('\u0000') as ['10' | '11', string];
      for (const fixed of versions) probes.push({ release, source, version: fixed }, { release, source, version: `${fixed}~` });
    }

    // Oracle: for every probe, every advisory of its package and release whose fixed version is above it.
    const expected = new Map<number, Set<string>>();
    const pairs: [string, string][] = [];
    const owners: [number, string][] = [];
    probes.forEach((probe, i) => {
      expected.set(i, new Set());
      for (const record of records) {
        for (const affected of record.affected ?? []) {
          if (affected.package?.ecosystem !== `Debian:${probe.release}` || affected.package.name !== probe.source) continue;
          const fixed = affected.ranges?.[0]?.events.find((e) => e.fixed !== undefined)?.fixed;
          if (fixed === undefined) expected.get(i)?.add(record.id);
          else {
            pairs.push([probe.version, fixed]);
            owners.push([i, record.id]);
          }
        }
      }
    });
    const less = await dpkgLess(pairs);
    less.forEach((isLess, j) => {
      const [i, id] = owners[j] as [number, string];
      if (isLess) expected.get(i)?.add(id);
    });

    // One CycloneDX SBOM per release, one component per probe (binary name = source name here).
    for (const release of ['10', '11'] as const) {
      const indices = probes.map((p, i) => [p, i] as const).filter(([p]) => p.release === release);
      const sbom = {
        bomFormat: 'CycloneDX',
        specVersion: '1.6',
        components: indices.map(([p, i]) => ({
          type: 'library',
          name: p.source,
          version: p.version,
          'bom-ref': `c${i}`,
          purl: `pkg:deb/debian/${p.source}@${encodeURIComponent(p.version)}?arch=amd64&distro=debian-${release}&probe=${i}`,
        })),
      };
      const file = join(work, `sbom-${release}.cdx.json`);
      await writeFile(file, JSON.stringify(sbom));
      const { report } = await scanTarget(file, { repo: t.repo });
      for (const [, i] of indices) {
        const found = new Set(
          report.findings.filter((f) => f.purl.endsWith(`probe=${i}`)).flatMap((f) => [f.id, ...f.aliases].filter((id) => !id.startsWith('CVE-'))),
        );
        expect([...found].sort(), JSON.stringify(probes[i])).toEqual([...(expected.get(i) ?? [])].sort());
      }
    }
  });

  it('never matches a package of one release against another release or a language ecosystem', async () => {
    // openssl in buster at a version far below every fix: only buster (Debian:10) advisories.
    const sbom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [
        { type: 'library', name: 'openssl', version: '1.0.0-1', purl: 'pkg:deb/debian/openssl@1.0.0-1?distro=debian-10' },
        { type: 'library', name: 'openssl', version: '1.0.0', purl: 'pkg:npm/openssl@1.0.0' },
      ],
    };
    const file = join(work, 'mixed.cdx.json');
    await writeFile(file, JSON.stringify(sbom));
    const { report } = await scanTarget(file, { repo: t.repo });
    expect(report.findings.length).toBeGreaterThan(0);
    const busterIds = new Set(records.filter((r) => r.affected?.some((a) => a.package?.ecosystem === 'Debian:10' && a.package.name === 'openssl')).map((r) => r.id));
    for (const finding of report.findings) {
      expect(finding.purl).toContain('distro=debian-10');
      expect(busterIds.has(finding.id)).toBe(true);
    }
  });

  it('enriches findings with CISA KEV and FIRST EPSS, imported as signed feeds', async () => {
    const cve = 'CVE-2022-0778'; // openssl, in KEV? whichever: we assert against the catalog itself.
    const kevJson = JSON.parse(await readFile(join(sharedData, 'kev', 'known_exploited_vulnerabilities.json'), 'utf8')) as { vulnerabilities: { cveID: string }[] };
    const kevCves = new Set(kevJson.vulnerabilities.map((v) => v.cveID));
    const epss = join(work, 'epss_scores.csv');
    await writeFile(epss, `#model_version:v2023.03.01,score_date:2023-11-28T00:00:00+0000\ncve,epss,percentile\n${cve},0.12345,0.95000\nCVE-2014-0160,0.97000,0.99990\n`);
    const summary = await importOsv(t.repo, [join(sharedData, 'kev', 'known_exploited_vulnerabilities.json'), epss], { key: t.key });
    expect(summary.tables).toEqual({ kev: 1404, epss: 2 });
    // Re-importing the same tables commits nothing.
    const tip = await t.repo.store.branchTip(MAIN_BRANCH);
    expect((await importOsv(t.repo, [join(sharedData, 'kev', 'known_exploited_vulnerabilities.json'), epss], { key: t.key })).commit).toBeUndefined();
    expect(await t.repo.store.branchTip(MAIN_BRANCH)).toBe(tip);

    const file = join(work, 'openssl.cdx.json');
    await writeFile(file, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ type: 'library', name: 'openssl', version: '1.0.1e-2', purl: 'pkg:deb/debian/openssl@1.0.1e-2?distro=debian-7' }] }));
    const { report } = await scanTarget(file, { repo: t.repo });
    const heartbleed = report.findings.find((f) => f.aliases.includes('CVE-2014-0160') || f.id === 'CVE-2014-0160');
    expect(heartbleed).toBeDefined();
    expect(heartbleed?.epss).toEqual({ score: 0.97, percentile: 0.9999 });
    for (const finding of report.findings) {
      const inKev = [finding.id, ...finding.aliases].some((id) => kevCves.has(id));
      expect(finding.kev !== undefined, finding.id).toBe(inKev);
    }
    expect(report.findings.some((f) => f.kev !== undefined)).toBe(true);

    const verified = await verifyRepository(t.repo.store, { main: MAIN_BRANCH, branches: [] });
    expect(verified.failures).toEqual([]);
    expect(verified.manifests).toBe(3);
    await fsckStrict(t.repo.dir);
  });
});
