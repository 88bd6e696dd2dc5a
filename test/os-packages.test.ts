/**
 * OS packages end to end: a root filesystem whose rpm database is written by
 * Debian's real `rpm` (packages built with `rpmbuild` under AlmaLinux 9
 * names and versions), scanned against the real AlmaLinux advisories of
 * shared data — with rpm's own labelCompare (python3-rpm) as the oracle of
 * which advisories apply. And an Alpine root filesystem read through the
 * same path.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOsv } from '../agent/feeds/import-osv.js';
import { scanTarget } from '../agent/scan/scan.js';
import { readZipRecords } from './helpers/osv-zip.js';
import { sharedData } from './helpers/paths.js';
import { tempRepo, type TempRepo } from './helpers/repo.js';

const run = promisify(execFile);

/** AlmaLinux 9 packages as they were once installed: old enough that advisories exist for them. */
const PACKAGES = [
  { name: 'openssl', epoch: 1, version: '3.0.1', release: '41.el9_0' },
  { name: 'curl', version: '7.76.1', release: '14.el9' },
  { name: 'bash', version: '5.1.8', release: '4.el9' },
];

async function buildRpm(work: string, pkg: (typeof PACKAGES)[number]): Promise<string> {
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

  it('finds exactly the AlmaLinux:9 advisories rpm says apply to packages in a real rpmdb.sqlite', async () => {
    const rpms = [];
    for (const pkg of PACKAGES) rpms.push(await buildRpm(work, pkg));
    const root = join(work, 'rootfs');
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(root, 'etc', 'os-release'), 'NAME="AlmaLinux"\nID="almalinux"\nVERSION_ID="9.3"\nPRETTY_NAME="AlmaLinux 9.3 (Shamrock Pampas Cat)"\n');
    await run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '--define', '_db_backend sqlite', '--nodeps', '--noscripts', '-i', ...rpms]);

    const { report } = await scanTarget(root, { repo: t.repo });
    const rpmComponents = report.components.filter((c) => c.type === 'rpm');
    expect(rpmComponents.map((c) => c.name).sort()).toEqual(PACKAGES.map((p) => p.name).sort());
    expect(rpmComponents.find((c) => c.name === 'openssl')?.purl).toMatch(/^pkg:rpm\/almalinux\/openssl@3\.0\.1-41\.el9_0\?.*distro=almalinux-9\.3.*epoch=1/);

    const records = await readZipRecords(join(sharedData, 'osv', 'AlmaLinux', 'all.zip'));
    const pairs: [string, string][] = [];
    const owners: string[] = [];
    const unfixed = new Set<string>();
    for (const pkg of PACKAGES) {
      const installed = `${pkg.epoch ?? 0}:${pkg.version}-${pkg.release}`;
      for (const record of records) {
        for (const affected of record.affected ?? []) {
          if (affected.package?.ecosystem !== 'AlmaLinux:9' || affected.package.name !== pkg.name) continue;
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
