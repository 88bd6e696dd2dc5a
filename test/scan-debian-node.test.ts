/**
 * The foundation path on a real image: debian-node (built from Debian
 * packages by shared/tools/make-images.sh) in all three layouts, scanned
 * against the real npm advisories of shared data, signed, committed and
 * verified — with dpkg, the semver package and native git as oracles.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OsvRecord } from '../core/model/osv.js';
import type { Report } from '../core/model/report.js';
import { serializeReport } from '../core/report/serialize.js';
import { verifyRepository } from '../core/verify/verify-repo.js';
import { importOsv } from '../agent/feeds/import-osv.js';
import { MAIN_BRANCH } from '../agent/repo/state-repo.js';
import { commitReport } from '../agent/scan/commit-report.js';
import { scanTarget, type ScanOutcome } from '../agent/scan/scan.js';
import { validateCycloneDx } from './helpers/cyclonedx-validate.js';
import { readZipRecords } from './helpers/osv-zip.js';
import { imagesDir, projectRoot, sharedData } from './helpers/paths.js';
import { fsckStrict, git, tempRepo, type TempRepo } from './helpers/repo.js';

const LAYOUTS = ['debian-node.docker.tar', 'debian-node.oci.tar', 'debian-node.oci'] as const;
const NPM_ZIP = join(sharedData, 'osv', 'npm', 'all.zip');

async function tsv(name: string): Promise<string[][]> {
  return (await readFile(join(imagesDir, 'info', name), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'));
}

/** Independent oracle: the OSV ranges of a record turned into semver range strings, checked by the semver package. */
function oracleAffects(record: OsvRecord, name: string, version: string): boolean {
  if (record.withdrawn !== undefined) return false;
  return (record.affected ?? []).some((affected) => {
    if (affected.package?.ecosystem !== 'npm' || affected.package.name !== name) return false;
    if (affected.versions?.includes(version)) return true;
    return (affected.ranges ?? [])
      .filter((range) => range.type === 'SEMVER' || range.type === 'ECOSYSTEM')
      .some((range) => {
        const parts: string[] = [];
        let current: string | undefined;
        for (const event of range.events) {
          if (event.introduced !== undefined) current = event.introduced === '0' ? '>=0.0.0-0' : `>=${event.introduced}`;
          else if (event.fixed !== undefined && current) (parts.push(`${current} <${event.fixed}`), (current = undefined));
          else if (event.last_affected !== undefined && current) (parts.push(`${current} <=${event.last_affected}`), (current = undefined));
          else if (event.limit !== undefined && current) (parts.push(`${current} <${event.limit}`), (current = undefined));
        }
        if (current) parts.push(current);
        return parts.length > 0 && semver.satisfies(version, parts.join(' || '), { includePrerelease: true });
      });
  });
}

describe('stella scan of the real debian-node image', () => {
  let t: TempRepo;
  const outcomes = new Map<string, ScanOutcome>();

  beforeAll(async () => {
    t = await tempRepo('node-a');
    await importOsv(t.repo, [NPM_ZIP], { key: t.key });
    for (const layout of LAYOUTS) outcomes.set(layout, await scanTarget(join(imagesDir, layout), { repo: t.repo }));
  });
  afterAll(() => t.cleanup());

  it.each(LAYOUTS)('%s: dpkg packages equal info/debian-node.dpkg.tsv exactly', async (layout) => {
    const report = (outcomes.get(layout) as ScanOutcome).report;
    // dpkg-query's ${binary:Package} adds ':arch' to Multi-Arch: same packages; the package name is without it.
    const expected = (await tsv('debian-node.dpkg.tsv')).map(([name, version, arch]) => `${(name as string).replace(/:[a-z0-9]+$/, '')}\t${version}\t${arch}`).sort();
    const found = report.components
      .filter((c) => c.type === 'deb')
      .map((c) => `${c.name}\t${c.version}\t${new URLSearchParams(c.purl.split('?')[1]).get('arch')}`)
      .sort();
    expect(found).toEqual(expected);
    expect(report.components.filter((c) => c.type === 'deb').every((c) => c.purl.includes('distro=debian-12'))).toBe(true);
  });

  it.each(LAYOUTS)('%s: npm packages equal info/debian-node.npm.tsv minus what the whiteout layer deletes', async (layout) => {
    const report = (outcomes.get(layout) as ScanOutcome).report;
    const expected = (await tsv('debian-node.npm.tsv'))
      .filter(([path]) => path !== 'node_modules/minimist')
      .map(([path, version]) => `${(path as string).split('node_modules/').pop()}@${version}`)
      .sort();
    const found = report.components.filter((c) => c.type === 'npm').map((c) => `${c.name}@${c.version}`).sort();
    expect(found).toEqual(expected);
    expect(found.some((c) => c.startsWith('minimist@'))).toBe(false);
  });

  it.each(LAYOUTS)('%s: findings are exactly the npm/all.zip advisories for those versions', async (layout) => {
    const report = (outcomes.get(layout) as ScanOutcome).report;
    const records = await readZipRecords(NPM_ZIP);
    const expected = new Set<string>();
    for (const c of report.components.filter((c) => c.type === 'npm')) {
      for (const record of records) if (oracleAffects(record, c.name, c.version)) expected.add(`${c.name}@${c.version} ${record.id}`);
    }
    const found = new Set(report.findings.map((f) => `${f.name}@${f.installed} ${f.id}`));
    expect([...found].sort()).toEqual([...expected].sort());
    expect(found.size).toBeGreaterThanOrEqual(7);
    for (const finding of report.findings) {
      expect(finding.purl).toMatch(/^pkg:npm\/.+@.+/);
      expect(finding.severity.level).toMatch(/CRITICAL|HIGH|MEDIUM|LOW|UNKNOWN/);
    }
  });

  it('attributes packages to the layer that introduced them', () => {
    const report = (outcomes.get('debian-node.oci.tar') as ScanOutcome).report;
    const layers = (report.target.layers ?? []).map((l) => l.diffId);
    expect(layers).toHaveLength(4);
    const layerOf = (name: string): string | undefined => report.components.find((c) => c.name === name)?.layer;
    expect(layerOf('bash')).toBe(layers[0]);
    expect(layerOf('express')).toBe(layers[1]);
    expect(layerOf('python3')).toBe(layers[3]);
    expect(report.target.os).toMatchObject({ id: 'debian', versionId: '12' });
  });

  it('gives the same components and findings in every layout, and identical bytes when scanned twice', async () => {
    const key = (r: Report): string => JSON.stringify([r.components.map((c) => c.purl).sort(), r.findings.map((f) => `${f.purl} ${f.id}`).sort()]);
    const keys = LAYOUTS.map((layout) => key((outcomes.get(layout) as ScanOutcome).report));
    expect(new Set(keys).size).toBe(1);
    const again = await scanTarget(join(imagesDir, 'debian-node.oci.tar'), { repo: t.repo });
    expect(serializeReport(again.report)).toBe(serializeReport((outcomes.get('debian-node.oci.tar') as ScanOutcome).report));
    expect(JSON.stringify(await again.sbom())).toBe(JSON.stringify(await (outcomes.get('debian-node.oci.tar') as ScanOutcome).sbom()));
  });

  it('writes a report valid under schemas/report.schema.json and a CycloneDX 1.6 SBOM valid under the strict validator', async () => {
    const schema = JSON.parse(await readFile(join(projectRoot, 'schemas', 'report.schema.json'), 'utf8')) as object;
    const ajv = new Ajv2020.default({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    for (const layout of LAYOUTS) {
      const outcome = outcomes.get(layout) as ScanOutcome;
      const parsed = JSON.parse(serializeReport(outcome.report)) as unknown;
      expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
      await validateCycloneDx(await outcome.sbom());
    }
  });

  it('commits a signed report that stella verify accepts, native git fsck --strict passes, and one changed byte fails', async () => {
    const outcome = outcomes.get('debian-node.oci.tar') as ScanOutcome;
    const committed = await commitReport(t.repo, outcome, { node: 'node-a', key: t.key });
    expect(committed.branch).toBe('agents/node-a');
    expect(committed.folder).toBe('findings/node-a/corpus-debian-node-latest');
    await fsckStrict(t.repo.dir);
    const verifyAll = async (): Promise<Awaited<ReturnType<typeof verifyRepository>>> =>
      verifyRepository(t.repo.store, { main: MAIN_BRANCH, branches: ['agents/node-a'] });
    expect((await verifyAll()).failures).toEqual([]);
    expect(await git(t.repo.dir, 'show', `agents/node-a:${committed.folder}/report.json`)).toBe(serializeReport(outcome.report));

    // Committing the same report again changes nothing.
    expect((await commitReport(t.repo, outcome, { node: 'node-a', key: t.key })).changed).toBe(false);

    for (const file of ['report.json', 'report.sigstore.json', 'sbom.cdx.json']) {
      const path = `${committed.folder}/${file}`;
      const original = (await t.repo.store.readFile(committed.commit, path)) as Uint8Array;
      const tampered = tamper(file, original);
      const bad = await t.repo.store.commit({
        branch: 'agents/node-a',
        changes: new Map([[path, tampered]]),
        message: `tamper ${file}`,
        author: { name: 't', email: 't@example.invalid' },
      });
      const result = await verifyAll();
      expect(result.failures.length, file).toBeGreaterThan(0);
      expect(result.failures[0]?.where).toContain(committed.folder);
      // Restore, so each file is tested on its own.
      await t.repo.store.commit({ branch: 'agents/node-a', parent: bad.oid, changes: new Map([[path, original]]), message: 'restore', author: { name: 't', email: 't@example.invalid' } });
      expect((await verifyAll()).failures).toEqual([]);
    }
    await fsckStrict(t.repo.dir);
  });

  it('refuses a report signed by a key not enrolled for its node', async () => {
    const other = await tempRepo('node-b');
    try {
      const outcome = outcomes.get('debian-node.docker.tar') as ScanOutcome;
      // node-b's key, storing the report under node-a's folder: verify must name the folder.
      const foreign = await commitReport(t.repo, outcome, { node: 'node-b', key: other.key });
      const result = await verifyRepository(t.repo.store, { main: MAIN_BRANCH, branches: ['agents/node-b'] });
      expect(result.failures.some((f) => f.where.includes(foreign.folder))).toBe(true);
    } finally {
      await other.cleanup();
    }
  });
});

/** One changed byte in the part that matters: the report text, the DSSE signature, the SBOM. */
function tamper(file: string, bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes);
  const text = new TextDecoder().decode(bytes);
  if (file === 'report.sigstore.json') {
    const index = text.indexOf('"sig":"') + 7 + 10;
    copy[index] = copy[index] === 0x41 ? 0x42 : 0x41;
    return copy;
  }
  const index = text.indexOf('"version"') + 12;
  copy[index] = copy[index] === 0x31 ? 0x32 : 0x31;
  return copy;
}
