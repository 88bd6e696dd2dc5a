/**
 * Real rpm databases for the rpm extractor's tests: packages built by
 * `rpmbuild` from tiny spec files, installed by `rpm` into a fresh root, and
 * `rpm -qa` as the oracle of what the extractor must report (Debian's `rpm`:
 * apt-get install rpm).
 *
 * @example
 *   const rpms = await buildPackages(work, SPECS);
 *   const root = await installRoot(work, 'root', '/var/lib/rpm', rpms);
 *   const expected = await queryInstalled(['--root', root, '--dbpath', '/var/lib/rpm'], 'var/lib/rpm/rpmdb.sqlite');
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ExtractedPackage } from '../../model/package.js';

export const run = promisify(execFile);

/** Fails with what to install when one of `commands` (each a tool and the arguments that print its version) cannot run. */
export async function requireTools(commands: readonly (readonly [string, ...string[]])[], install: string): Promise<void> {
  try {
    for (const [tool, ...args] of commands) await run(tool, args);
  } catch {
    throw new Error(`these tests need ${commands.map(([tool]) => tool).join(', ')}: ${install}`);
  }
}

/** A spec file and the file name (without `.noarch.rpm`) of the package it builds. */
export interface Spec {
  spec: string;
  builds: string;
}

/** Builds each spec with rpmbuild under `work`; returns the paths of the packages. */
export async function buildPackages(work: string, specs: Readonly<Record<string, Spec>>): Promise<string[]> {
  const rpmDir = join(work, 'rpms');
  for (const [file, { spec }] of Object.entries(specs)) {
    writeFileSync(join(work, file), spec);
    await run('rpmbuild', ['-bb', '--define', `_topdir ${join(work, 'top')}`, '--define', `_rpmdir ${rpmDir}`, join(work, file)], { maxBuffer: 16 << 20 });
  }
  return Object.values(specs).map(({ builds }) => join(rpmDir, 'noarch', `${builds}.noarch.rpm`));
}

/** Installs `rpms` into a fresh root under `work` with an SQLite rpmdb at `dbpath`; returns the root. */
export async function installRoot(work: string, name: string, dbpath: string, rpms: readonly string[]): Promise<string> {
  const root = join(work, name);
  // --nodeps: rpmlib() and /bin/sh requirements are not in an empty root. Debian's rpm prints an "use alien" notice on stderr; it is harmless.
  await run('rpm', ['--root', root, '--dbpath', dbpath, '--define', '_db_backend sqlite', '--nodeps', '-i', ...rpms]);
  return root;
}

/** What `rpm <args> -qa` reports, as the packages the extractor must report for the database at `path`. */
export async function queryInstalled(args: readonly string[], path: string): Promise<ExtractedPackage[]> {
  const { stdout } = await run('rpm', [...args, '-qa', '--qf', '%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH} %{SOURCERPM}\\n']);
  return stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [name = '', epoch = '', version = '', release = '', arch = '', sourceRpm = ''] = line.split(' ');
      const pkg: ExtractedPackage = { type: 'rpm', name, version: `${epoch === '(none)' ? '' : `${epoch}:`}${version}-${release}`, sourceFile: path, evidence: 'package-db', arch };
      const source = sourceRpm.replace(/-[^-]+-[^-]+\.src\.rpm$/, '');
      if (source !== name) pkg.sourceName = source;
      return pkg;
    });
}

/** How db_load lays out a Berkeley DB file. */
export interface BdbLayout {
  pageSize: number;
  bigEndian: boolean;
  checksum: boolean;
}

/**
 * Writes `records` (instance number → header blob) as rpm's Berkeley DB
 * `Packages` in `dir`, with Berkeley DB's own `db_load` (apt-get install
 * db5.3-util): a hash database, keys in the file's byte order, and rpm's
 * record 0 (the next free instance) beside them. Returns the file's path.
 */
export async function writeBdbPackages(dir: string, records: ReadonlyMap<number, Uint8Array>, layout: BdbLayout): Promise<string> {
  const key = (n: number): string => {
    const bytes = Buffer.alloc(4);
    if (layout.bigEndian) bytes.writeUInt32BE(n);
    else bytes.writeUInt32LE(n);
    return bytes.toString('hex');
  };
  const next = Math.max(0, ...records.keys()) + 1;
  const lines = ['VERSION=3', 'format=bytevalue', 'type=hash', 'HEADER=END', ` ${key(0)}`, ` ${key(next)}`];
  for (const [hnum, blob] of records) lines.push(` ${key(hnum)}`, ` ${Buffer.from(blob).toString('hex')}`);
  lines.push('DATA=END', '');
  // db_load's input beside the folder, not in it: the folder is what rpm (--dbpath) and the tests read.
  const dump = `${dir}.dump`;
  writeFileSync(dump, lines.join('\n'));
  const file = join(dir, 'Packages');
  const options = [`db_pagesize=${layout.pageSize}`, `db_lorder=${layout.bigEndian ? 4321 : 1234}`, ...(layout.checksum ? ['chksum=1'] : [])];
  try {
    await run('db5.3_load', [...options.flatMap((option) => ['-c', option]), '-f', dump, file]);
  } finally {
    rmSync(dump, { force: true });
  }
  return file;
}

/** Packages sorted by name, for comparing sets. */
export const byName = (packages: readonly ExtractedPackage[]): ExtractedPackage[] => [...packages].sort((a, b) => a.name.localeCompare(b.name));
