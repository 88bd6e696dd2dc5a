/**
 * OS packages end to end: root filesystems whose rpm database is written by
 * Debian's real `rpm` (packages built with `rpmbuild` under AlmaLinux names
 * and versions), scanned against the real AlmaLinux advisories of shared
 * data, with rpm's own labelCompare (python3-rpm) as the oracle of which
 * advisories apply. AlmaLinux 9 keeps rpmdb.sqlite; AlmaLinux 8 (rpm 4.14)
 * a Berkeley DB `Packages`, which Berkeley DB's `db_load` writes here from
 * the same headers. And an Alpine root filesystem read through the same path.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOsv } from '../agent/feeds/import-osv.js';
import { scanTarget } from '../agent/scan/scan.js';
import { writeBdbPackages } from '../core/extract/rpm/real-rpmdb.test-helper.js';
import { withDatabase } from '../core/extract/rpm/rpmdb.test-helper.js';
import { readZipRecords } from './helpers/osv-zip.js';
import { sharedData } from './helpers/paths.js';
import { tempRepo, type TempRepo } from './helpers/repo.js';

const run = promisify(execFile);

/** An AlmaLinux package as it was once installed: old enough that advisories exist for it. */
interface InstalledPackage {
  name: string;
  epoch?: number;
  version: string;
  release: string;
}

/** An AlmaLinux release, its rpm database format, and packages to install. */
interface RpmRelease {
  label: string;
  osRelease: string;
  ecosystem: string;
  database: 'sqlite' | 'berkeley-db';
  packages: InstalledPackage[];
  /** What the purl of the first package must look like. */
  purl: RegExp;
}

const RELEASES: RpmRelease[] = [
  {
    label: 'AlmaLinux 9, rpmdb.sqlite',
    osRelease: 'NAME="AlmaLinux"\nID="almalinux"\nVERSION_ID="9.3"\nPRETTY_NAME="AlmaLinux 9.3 (Shamrock Pampas Cat)"\n',
    ecosystem: 'AlmaLinux:9',
    database: 'sqlite',
    packages: [
      { name: 'openssl', epoch: 1, version: '3.0.1', release: '41.el9_0' },
      { name: 'curl', version: '7.76.1', release: '14.el9' },
      { name: 'bash', version: '5.1.8', release: '4.el9' },
    ],
    purl: /^pkg:rpm\/almalinux\/openssl@3\.0\.1-41\.el9_0\?.*distro=almalinux-9\.3.*epoch=1/,
  },
  {
    label: 'AlmaLinux 8, Berkeley DB Packages',
    osRelease: 'NAME="AlmaLinux"\nID="almalinux"\nVERSION_ID="8.8"\nPRETTY_NAME="AlmaLinux 8.8 (Sapphire Caracal)"\n',
    ecosystem: 'AlmaLinux:8',
    database: 'berkeley-db',
    packages: [
      { name: 'openssl', epoch: 1, version: '1.1.1k', release: '4.el8' },
      { name: 'curl', version: '7.61.1', release: '18.el8' },
      { name: 'bash', version: '4.4.19', release: '14.el8' },
    ],
    purl: /^pkg:rpm\/almalinux\/openssl@1\.1\.1k-4\.el8\?.*distro=almalinux-8\.8.*epoch=1/,
  },
];

async function buildRpm(work: string, pkg: InstalledPackage): Promise<string> {
  const spec = join(work, `${pkg.name}.spec`);
  await writeFile(
    spec,
    [
      `Name: ${pkg.name}`,
      ...(pkg.epoch === undefined ? [] : [`Epoch: ${pkg.epoch}`]),
      `Version: ${pkg.version}`,
      `Release: ${pkg.release}`,
      'Summary: test package',
      'License: MIT',
      'BuildArch: noarch',
      '%description',
      'test package',
      '%files',
      '',
    ].join('\n'),
  );
  const out = join(work, 'rpms');
  await run('rpmbuild', ['-bb', '--define', `_topdir ${join(work, 'top')}`, '--define', `_rpmdir ${out}`, spec]);
  const noarch = join(out, 'noarch');
  const file = (await readdir(noarch)).find((f) => f.startsWith(`${pkg.name}-${pkg.version}-`));
  if (file === undefined) throw new Error(`rpmbuild made no package for ${pkg.name}`);
  return join(noarch, file);
}

/** Replaces the rpmdb.sqlite rpm wrote in `dbpath` with a Berkeley DB Packages holding the same headers, as rpm 4.14 keeps them. */
async function toBerkeleyDb(dbpath: string): Promise<void> {
  const records = new Map<number, Uint8Array>();
  await withDatabase(await readFile(join(dbpath, 'rpmdb.sqlite')), (db) => {
    for (const [hnum, blob] of db.exec('SELECT hnum, blob FROM Packages')[0]?.values ?? []) records.set(Number(hnum), blob as Uint8Array);
  });
  await writeBdbPackages(dbpath, records, { pageSize: 4096, bigEndian: false, checksum: false });
  for (const file of ['rpmdb.sqlite', 'rpmdb.sqlite-shm', 'rpmdb.sqlite-wal']) await rm(join(dbpath, file), { force: true });
}

/** rpm's own comparison: true when installed (e:v-r) sorts before fixed. */
async function rpmLess(pairs: [string, string][]): Promise<boolean[]> {
  const program = [
    'import sys, rpm',
    'def evr(s):',
    "    e, _, vr = s.rpartition(':') if ':' in s else ('0', '', s)",
    "    v, _, r = vr.rpartition('-')",
    '    return (e or "0", v, r)',
    'for line in sys.stdin:',
    "    a, b = line.rstrip('\\n').split('\\t')",
    "    print(1 if rpm.labelCompare(evr(a), evr(b)) < 0 else 0)",
  ].join('\n');
  return new Promise((resolve, reject) => {
    // Debian's rpm module lives in the system Python.
    const child = spawn('/usr/bin/python3', ['-c', program], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out.trim().split('\n').map((l) => l === '1')) : reject(new Error(`python3 exited ${code}`))));
    child.stdin.end(pairs.map(([a, b]) => `${a}\t${b}`).join('\n') + '\n');
  });
}

describe('rpm and apk root filesystems', () => {
  let t: TempRepo;
  let work: string;
  beforeAll(async () => {
    t = await tempRepo();
    work = await mkdtemp(join(tmpdir(), 'stella-os-'));
    await importOsv(t.repo, [join(sharedData, 'osv', 'AlmaLinux', 'all.zip')], { key: t.key });
  });
  afterAll(async () => {
    await t.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  it.each(RELEASES)('$label: finds exactly the advisories rpm says apply', async ({ label, osRelease, ecosystem, database, packages, purl }) => {
    const build = join(work, label.replace(/\W+/g, '-'));
    await mkdir(build, { recursive: true });
    const rpms = [];
    for (const pkg of packages) rpms.push(await buildRpm(build, pkg));
    const root = join(build, 'rootfs');
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(root, 'etc', 'os-release'), osRelease);
    await run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '--define', '_db_backend sqlite', '--nodeps', '--noscripts', '-i', ...rpms]);
    if (database === 'berkeley-db') await toBerkeleyDb(join(root, 'var', 'lib', 'rpm'));

    const { report } = await scanTarget(root, { repo: t.repo });
    const rpmComponents = report.components.filter((c) => c.type === 'rpm');
    expect(rpmComponents.map((c) => c.name).sort()).toEqual(packages.map((p) => p.name).sort());
    expect(rpmComponents.find((c) => c.name === packages[0]?.name)?.purl).toMatch(purl);

    const records = await readZipRecords(join(sharedData, 'osv', 'AlmaLinux', 'all.zip'));
    const pairs: [string, string][] = [];
    const owners: string[] = [];
    const unfixed = new Set<string>();
    for (const pkg of packages) {
      const installed = `${pkg.epoch ?? 0}:${pkg.version}-${pkg.release}`;
      for (const record of records) {
        for (const affected of record.affected ?? []) {
          if (affected.package?.ecosystem !== ecosystem || affected.package.name !== pkg.name) continue;
          const fixed = affected.ranges?.flatMap((r) => r.events).find((e) => e.fixed !== undefined)?.fixed;
          if (fixed === undefined) unfixed.add(`${pkg.name} ${record.id}`);
          else {
            pairs.push([installed, fixed.includes(':') ? fixed : `0:${fixed}`]);
            owners.push(`${pkg.name} ${record.id}`);
          }
        }
      }
    }
    const less = await rpmLess(pairs);
    const expected = new Set([...unfixed, ...owners.filter((_, i) => less[i])]);
    const found = new Set(report.findings.filter((f) => f.purl.startsWith('pkg:rpm/')).flatMap((f) => [f.id, ...f.aliases].map((id) => `${f.name} ${id}`)));
    const foundAdvisories = new Set([...found].filter((key) => /\s(ALSA|ALBA|ALEA)-/.test(key)));
    expect([...foundAdvisories].sort()).toEqual([...expected].sort());
    expect(expected.size).toBeGreaterThan(3);
  });

  it('reads an Alpine root filesystem and gives its packages Alpine purls', async () => {
    const root = join(work, 'alpine');
    await mkdir(join(root, 'etc'), { recursive: true });
    await mkdir(join(root, 'lib', 'apk', 'db'), { recursive: true });
    await writeFile(join(root, 'etc', 'os-release'), 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n');
    await copyFile(join(sharedData, 'fixtures', 'apk', 'trivy', 'apk'), join(root, 'lib', 'apk', 'db', 'installed'));
    const { report } = await scanTarget(root);
    const apk = report.components.filter((c) => c.type === 'apk');
    expect(apk.length).toBe(15);
    expect(apk.every((c) => c.purl.startsWith('pkg:apk/alpine/') && c.purl.includes('distro=alpine-3.19.1'))).toBe(true);
    expect(report.warnings.some((w) => w.includes('lib/apk/db/installed'))).toBe(true);
  });
});
