/**
 * Every ecosystem with advisories in shared data, end to end: the real zips
 * imported into a state repository, an SBOM of packages at versions on both
 * sides of real range boundaries (introduced, fixed, last_affected, listed
 * versions), scanned — and the findings compared with the advisories
 * evaluated directly on the raw records, bypassing the importer, the index,
 * the purl mapping and the matcher. (Each ecosystem's version ordering is
 * itself checked against an independent oracle in core/versions.)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchAffected } from '../core/match/osv-range.js';
import { normalizePackageName } from '../core/match/package-names.js';
import type { OsvAffected, OsvRecord } from '../core/model/osv.js';
import { orderingFor } from '../core/versions/registry.js';
import { importOsv } from '../agent/feeds/import-osv.js';
import { scanTarget } from '../agent/scan/scan.js';
import { readZipRecords } from './helpers/osv-zip.js';
import { sharedData } from './helpers/paths.js';
import { tempRepo, type TempRepo } from './helpers/repo.js';

/** Zip folder → how a package of that ecosystem is written as a purl. */
const ECOSYSTEMS: Record<string, (name: string, version: string, ecosystem: string) => string | undefined> = {
  npm: (n, v) => (n.startsWith('@') ? `pkg:npm/%40${enc(n.slice(1))}@${enc(v)}` : `pkg:npm/${enc(n)}@${enc(v)}`),
  PyPI: (n, v) => `pkg:pypi/${enc(n)}@${enc(v)}`,
  Go: (n, v) => `pkg:golang/${enc(n)}@${enc(v)}`,
  'crates.io': (n, v) => `pkg:cargo/${enc(n)}@${enc(v)}`,
  Maven: (n, v) => {
    const [group, artifact] = n.split(':');
    return group && artifact ? `pkg:maven/${enc(group)}/${enc(artifact)}@${enc(v)}` : undefined;
  },
  RubyGems: (n, v) => `pkg:gem/${enc(n)}@${enc(v)}`,
  NuGet: (n, v) => `pkg:nuget/${enc(n)}@${enc(v)}`,
  Packagist: (n, v) => `pkg:composer/${enc(n)}@${enc(v)}`,
  CRAN: (n, v) => `pkg:cran/${enc(n)}@${enc(v)}`,
  Bitnami: (n, v) => `pkg:bitnami/${enc(n)}@${enc(v)}`,
  AlmaLinux: (n, v, eco) => {
    const major = eco.split(':')[1];
    const colon = v.indexOf(':');
    const [epoch, evr] = colon > 0 ? [v.slice(0, colon), v.slice(colon + 1)] : [undefined, v];
    return `pkg:rpm/almalinux/${enc(n)}@${enc(evr)}?distro=almalinux-${major}${epoch === undefined ? '' : `&epoch=${epoch}`}`;
  },
};

function enc(s: string): string {
  return encodeURIComponent(s).replace(/%2F/g, '/').replace(/%3A/g, ':');
}

interface Probe {
  ecosystem: string;
  name: string;
  version: string;
  purl: string;
}

/** Boundary versions of an affected entry: every event version and the first listed version. */
function boundaries(affected: OsvAffected): string[] {
  const out = new Set<string>();
  for (const range of affected.ranges ?? []) {
    if (range.type !== 'SEMVER' && range.type !== 'ECOSYSTEM') continue;
    for (const event of range.events) for (const version of Object.values(event)) if (version !== '0') out.add(version);
  }
  if (affected.versions?.[0] !== undefined) out.add(affected.versions[0]);
  return [...out];
}

describe('matching in every ecosystem with advisories, at real range boundaries', () => {
  let t: TempRepo;
  let work: string;
  const all = new Map<string, OsvRecord[]>();
  beforeAll(async () => {
    t = await tempRepo();
    work = await mkdtemp(join(tmpdir(), 'stella-eco-'));
    const zips = Object.keys(ECOSYSTEMS).map((eco) => join(sharedData, 'osv', eco, 'all.zip'));
    await importOsv(t.repo, zips, { key: t.key });
    for (const eco of Object.keys(ECOSYSTEMS)) all.set(eco, await readZipRecords(join(sharedData, 'osv', eco, 'all.zip')));
  }, 300_000);
  afterAll(async () => {
    await t.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  it.each(Object.keys(ECOSYSTEMS))('%s', async (zip) => {
    const records = all.get(zip) ?? [];
    // Every record is indexed under every ecosystem it names; the union of all zips is the feed.
    // Grouped by package here only to keep the test fast; each record is still evaluated whole.
    const byPackage = new Map<string, OsvRecord[]>();
    for (const record of [...all.values()].flat()) {
      for (const key of new Set((record.affected ?? []).map((a) => (a.package === undefined ? '' : `${a.package.ecosystem}\u0000${normalizePackageName(a.package.ecosystem, a.package.name)}`)))) {
        byPackage.set(key, [...(byPackage.get(key) ?? []), record]);
      }
    }
    const probes: Probe[] = [];
    const seen = new Set<string>();
    for (const record of records.filter((_, i) => i % Math.max(1, Math.floor(records.length / 60)) === 0)) {
      for (const affected of record.affected ?? []) {
        const pkg = affected.package;
        if (pkg === undefined || pkg.ecosystem.split(':')[0] !== zip || orderingFor(pkg.ecosystem) === undefined) continue;
        for (const version of boundaries(affected)) {
          const purl = ECOSYSTEMS[zip]?.(pkg.name, version, pkg.ecosystem);
          if (purl === undefined || seen.has(purl)) continue;
          seen.add(purl);
          probes.push({ ecosystem: pkg.ecosystem, name: pkg.name, version, purl });
        }
      }
    }
    expect(probes.length, `${zip}: probes`).toBeGreaterThan(5);

    // Expected, straight from the raw records.
    const expected = new Map<string, Set<string>>();
    for (const probe of probes) {
      const ordering = orderingFor(probe.ecosystem);
      const ids = new Set<string>();
      for (const record of new Set(byPackage.get(`${probe.ecosystem}\u0000${normalizePackageName(probe.ecosystem, probe.name)}`) ?? [])) {
        if (record.withdrawn !== undefined) continue;
        const hit = (record.affected ?? []).some(
          (a) =>
            a.package?.ecosystem === probe.ecosystem &&
            normalizePackageName(probe.ecosystem, a.package.name) === normalizePackageName(probe.ecosystem, probe.name) &&
            ordering !== undefined &&
            matchAffected(probe.version, a, ordering).affected,
        );
        if (hit) for (const id of [record.id, ...(record.aliases ?? [])]) ids.add(id);
      }
      expected.set(probe.purl, ids);
    }

    const sbom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: probes.map((p, i) => ({ type: 'library', name: p.name, version: p.version, purl: p.purl, 'bom-ref': `c${i}` })),
    };
    const file = join(work, `${zip}.cdx.json`);
    await writeFile(file, JSON.stringify(sbom));
    const { report } = await scanTarget(file, { repo: t.repo });
    expect(report.components.length, `${zip}: every probe is a component`).toBe(probes.length);
    const found = new Map<string, Set<string>>();
    for (const finding of report.findings) {
      const ids = found.get(finding.purl) ?? new Set<string>();
      for (const id of [finding.id, ...finding.aliases]) ids.add(id);
      found.set(finding.purl, ids);
    }
    const mismatches: string[] = [];
    for (const component of report.components) {
      const want = [...(expected.get(component.purl) ?? [])].sort();
      const got = [...(found.get(component.purl) ?? [])].sort();
      if (JSON.stringify(want) !== JSON.stringify(got)) mismatches.push(`${component.purl}: expected ${want.join(',')} got ${got.join(',')}`);
    }
    expect(mismatches, zip).toEqual([]);
    expect(report.findings.length, `${zip}: findings`).toBeGreaterThan(0);
  });
});
