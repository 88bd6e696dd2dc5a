/**
 * The rpm extractor against databases written by rpm itself (Debian's `rpm`
 * and `rpmbuild`: apt-get install rpm), with `rpm -qa` as the oracle, and
 * against copies of them damaged with sql.js.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStellaError } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractResult } from '../extractor.js';
import { registered, thrownBy } from '../fixtures.test-helper.js';
import { RPMTAG, readRpmHeader } from './header.js';
import { RPM_MAX_FILE_SIZE, createRpmExtractor, isRpmDatabase, rpmDatabaseShadowedBy, rpmExtractor } from './index.js';
import { buildPackages, byName, installRoot, queryInstalled, requireTools } from './real-rpmdb.test-helper.js';
import type { Spec } from './real-rpmdb.test-helper.js';
import { buildRpmdb, encodeRpmHeader, packageHeader, stringTag, withDatabase } from './rpmdb.test-helper.js';

const VAR_DB = 'var/lib/rpm/rpmdb.sqlite';
const USR_DB = 'usr/lib/sysimage/rpm/rpmdb.sqlite';

/** Three tiny noarch packages: one with an epoch, one whose source rpm has another name, one with an explicit epoch 0. */
const SPECS: Record<string, Spec> = {
  'hello.spec': {
    spec: `Name: hello-bin\nVersion: 1.2.3\nRelease: 4.fc40\nEpoch: 2\nSummary: epoch test\nLicense: MIT\nBuildArch: noarch\n%description\nepoch test\n%files\n`,
    builds: 'hello-bin-1.2.3-4.fc40',
  },
  // Only the subpackage has %files, so rpmbuild makes libgreet alone, from greeter's source rpm.
  'greeter.spec': {
    spec: `Name: greeter\nVersion: 0.9\nRelease: 7.el9\nSummary: source test\nLicense: MIT\nBuildArch: noarch\n%description\nsource test\n%package -n libgreet\nSummary: library\n%description -n libgreet\nlibrary\n%files -n libgreet\n`,
    builds: 'libgreet-0.9-7.el9',
  },
  'zero.spec': { spec: `Name: zero\nVersion: 3\nRelease: 1\nEpoch: 0\nSummary: epoch 0\nLicense: MIT\nBuildArch: noarch\n%description\nepoch 0\n%files\n`, builds: 'zero-3-1' },
};

let work = '';
/** rpmdb.sqlite files rpm wrote, under each of the two paths we read. */
const db: Record<string, Uint8Array> = {};
/** What `rpm -qa` reports for the var/lib/rpm root, as the packages we should extract. */
let oracle: ExtractedPackage[] = [];

async function extract(contents: Uint8Array, path = VAR_DB): Promise<ExtractResult> {
  return rpmExtractor.extract({ path, contents });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  await requireTools([['rpmbuild', '--version'], ['rpm', '--version']], 'apt-get install rpm');
  work = mkdtempSync(join(tmpdir(), 'stella-rpm-'));
  const rpms = await buildPackages(work, SPECS);
  const varRoot = await installRoot(work, 'var-root', '/var/lib/rpm', rpms);
  const usrRoot = await installRoot(work, 'usr-root', '/usr/lib/sysimage/rpm', rpms);
  db[VAR_DB] = readFileSync(join(varRoot, VAR_DB));
  db[USR_DB] = readFileSync(join(usrRoot, USR_DB));
  oracle = await queryInstalled(['--root', varRoot, '--dbpath', '/var/lib/rpm'], VAR_DB);
});

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

const realDb = (path = VAR_DB): Uint8Array => {
  const bytes = db[path];
  if (bytes === undefined) throw new Error(`no database for ${path}`);
  return bytes;
};

describe('rpm: databases written by rpm', () => {
  it('rpm writes a WAL-mode SQLite database (read in rollback mode, see sqlite.ts)', () => {
    // rpm checkpoints on close, so the -wal beside it is empty; bytes 18-19 = 2 mark WAL mode.
    expect(new TextDecoder().decode(realDb().subarray(0, 15))).toBe('SQLite format 3');
    expect([realDb()[18], realDb()[19]]).toEqual([2, 2]);
  });

  it('reports what rpm -qa reports', async () => {
    expect(oracle).toHaveLength(3);
    const result = await extract(realDb());
    expect(result.warnings).toBeUndefined();
    expect(byName(result.packages)).toEqual(byName(oracle));
  });

  it('epochs, source rpm names and architecture as the model wants them', async () => {
    const { packages } = await extract(realDb());
    expect(byName(packages)).toEqual([
      { type: 'rpm', name: 'hello-bin', version: '2:1.2.3-4.fc40', arch: 'noarch', sourceFile: VAR_DB, evidence: 'package-db' },
      { type: 'rpm', name: 'libgreet', version: '0.9-7.el9', arch: 'noarch', sourceName: 'greeter', sourceFile: VAR_DB, evidence: 'package-db' },
      // An explicit Epoch: 0 is kept, as rpm's %{EPOCH} shows it; rpm version comparison treats it as no epoch.
      { type: 'rpm', name: 'zero', version: '0:3-1', arch: 'noarch', sourceFile: VAR_DB, evidence: 'package-db' },
    ]);
  });

  it('reads usr/lib/sysimage/rpm/rpmdb.sqlite the same way', async () => {
    expect(isRpmDatabase(USR_DB)).toBe(true);
    const { packages } = await extract(realDb(USR_DB), USR_DB);
    expect(byName(packages)).toEqual(byName(oracle).map((p) => ({ ...p, sourceFile: USR_DB })));
  });

  it('leaves the input bytes as they were, even a Node Buffer that sql.js would write through', async () => {
    const pristine = Uint8Array.from(realDb());
    const buffer = Buffer.from(realDb());
    await extract(buffer);
    expect(buffer.every((byte, i) => byte === pristine[i])).toBe(true);
  });

  it('a caller may reuse its buffer as soon as extract has returned', async () => {
    // The tar reader hands out views into a buffer it refills; the extractor must not read it after its first await.
    const buffer = Uint8Array.from(realDb());
    const pending = rpmExtractor.extract({ path: VAR_DB, contents: buffer });
    buffer.fill(0);
    expect(byName((await pending).packages)).toEqual(byName(oracle));
  });

  it('skips gpg-pubkey pseudo-packages quietly', async () => {
    const key = packageHeader({ name: 'gpg-pubkey', version: 'fd431d51', release: '4ae0493b' });
    const withKey = await withDatabase(realDb(), (d) => d.run('INSERT INTO Packages (blob) VALUES (?)', [key]));
    const result = await extract(withKey);
    expect(result.warnings).toBeUndefined();
    expect(result.packages.map((p) => p.name).sort()).toEqual(['hello-bin', 'libgreet', 'zero']);
  });
});

describe('rpm: damaged databases', () => {
  /** A copy of the real database with each hnum's blob passed through `damage`. */
  async function damaged(damage: Record<number, (blob: Uint8Array) => Uint8Array | string>): Promise<Uint8Array> {
    return withDatabase(realDb(), (d) => {
      for (const [hnum, change] of Object.entries(damage)) {
        const [row] = d.exec('SELECT blob FROM Packages WHERE hnum = ?', [Number(hnum)]);
        const blob = row?.values[0]?.[0];
        if (!(blob instanceof Uint8Array)) throw new Error(`no blob at hnum ${hnum}`);
        d.run('UPDATE Packages SET blob = ? WHERE hnum = ?', [change(blob.slice()), Number(hnum)]);
      }
    });
  }

  /** The hnum rpm gave the package `name`, read back through our own header reader. */
  async function hnumOf(name: string): Promise<number> {
    let found: number | undefined;
    await withDatabase(realDb(), (d) => {
      for (const [hnum, blob] of d.exec('SELECT hnum, blob FROM Packages')[0]?.values ?? []) {
        const read = blob instanceof Uint8Array ? readRpmHeader(blob) : undefined;
        if (read?.kind === 'header' && read.header.name === name && typeof hnum === 'number') found = hnum;
      }
    });
    if (found === undefined) throw new Error(`${name} is not in the database`);
    return found;
  }

  it('a truncated blob and a hostile index count are warnings; the other package is reported', async () => {
    const truncated = await hnumOf('hello-bin');
    const hugeCount = await hnumOf('libgreet');
    const contents = await damaged({
      [truncated]: (blob) => blob.subarray(0, 100),
      [hugeCount]: (blob) => {
        new DataView(blob.buffer, blob.byteOffset).setUint32(0, 0xffffffff);
        return blob;
      },
    });
    const result = await extract(contents);
    expect(result.packages.map((p) => p.name)).toEqual(['zero']);
    const expected: Array<[number, unknown]> = [
      [truncated, expect.stringMatching(new RegExp(`^${VAR_DB}: Packages record ${truncated}: header declares \\d+ index entries and \\d+ data bytes \\(\\d+ bytes\\), but the blob is 100 bytes; skipped$`))],
      [hugeCount, `${VAR_DB}: Packages record ${hugeCount}: header declares 4294967295 index entries, more than rpm's limit of 65535; skipped`],
    ];
    // Warnings come in hnum order.
    expect(result.warnings).toEqual(expected.sort(([a], [b]) => a - b).map(([, warning]) => warning));
  });

  it('a NAME entry pointing outside the data store is a warning for that package', async () => {
    const row = await hnumOf('zero');
    const contents = await damaged({
      [row]: (blob) => {
        const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
        const count = view.getUint32(0);
        for (let at = 8; at < 8 + count * 16; at += 16) if (view.getUint32(at) === RPMTAG.NAME) view.setUint32(at + 8, 0x7fffffff);
        return blob;
      },
    });
    const result = await extract(contents);
    expect(result.packages.map((p) => p.name).sort()).toEqual(['hello-bin', 'libgreet']);
    expect(result.warnings).toEqual([expect.stringMatching(new RegExp(`^${VAR_DB}: Packages record ${row}: NAME offset 2147483647 is outside the \\d+-byte data store; skipped$`))]);
  });

  it('text instead of a blob is a warning', async () => {
    const row = await hnumOf('libgreet');
    const result = await extract(await damaged({ [row]: () => 'not a header' }));
    expect(result.packages).toHaveLength(2);
    expect(result.warnings).toEqual([`${VAR_DB}: Packages record ${row}: blob column holds text, not an rpm header; skipped`]);
  });

  it('a damaged schema is a StellaError', async () => {
    // rpm's ~50 tables and indexes spread the schema over several pages; zeroing all but the first breaks it.
    const pageSize = ((realDb()[16] ?? 0) << 8) | (realDb()[17] ?? 0);
    const contents = Uint8Array.from(realDb()).fill(0, pageSize);
    expect(await rejection(extract(contents))).toMatchObject({ code: 'IMAGE_INVALID', message: `${VAR_DB}: not a readable rpm database (database disk image is malformed)` });
  });

  it('a table damaged part-way keeps the rows before the damage and warns', async () => {
    const blobs = Array.from({ length: 3000 }, (_, i) => packageHeader({ name: `p${i}`, version: '1', release: '1' }));
    const contents = await buildRpmdb(blobs);
    const pageSize = ((contents[16] ?? 0) << 8) | (contents[17] ?? 0);
    // The last page is a leaf of Packages (the only table): rows are appended in hnum order.
    contents.fill(0xa5, contents.byteLength - pageSize);
    const result = await extract(contents);
    expect(result.packages.length).toBeGreaterThan(2000);
    expect(result.packages.length).toBeLessThan(3000);
    expect(result.packages.every((p, i) => p.name === `p${i}`)).toBe(true);
    expect(result.warnings).toEqual([`${VAR_DB}: database unreadable after ${result.packages.length} rows (database disk image is malformed); the rest is not read`]);
  });
});

describe('rpm: files that are not rpm databases', () => {
  it.each([
    ['an empty file', new Uint8Array(0), /^var\/lib\/rpm\/rpmdb\.sqlite: not an rpm database \(neither SQLite nor Berkeley DB hash; SUSE's ndb is not read\)$/],
    ['text', new TextEncoder().encode('SQLite format 2\n'), /: not an rpm database/],
    // SUSE's ndb Packages.db starts with "RpmP".
    ['an ndb database', new TextEncoder().encode('RpmP\u0000\u0000\u0000\u0000\u0001\u0000\u0000\u0000'), /: not an rpm database/],
    ['the first 16 bytes of a Berkeley DB hash database', Uint8Array.from([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x61, 0x15, 0x06, 0]), /: not a readable Berkeley DB hash database \(16 bytes, shorter than its metadata page\)$/],
  ])('%s: a StellaError, without loading sql.js', async (_label, contents, message) => {
    let loads = 0;
    const extractor = createRpmExtractor({
      loadSqlJs: () => {
        loads++;
        return Promise.reject(new Error('must not load'));
      },
    });
    const error = await rejection(extractor.extract({ path: VAR_DB, contents }));
    expect(error).toMatchObject({ code: 'IMAGE_INVALID', message: expect.stringMatching(message) });
    expect(loads).toBe(0);
  });

  it('an SQLite database without a Packages table', async () => {
    const other = await withDatabase(undefined, (d) => d.run('CREATE TABLE Foo (x)'));
    expect(await rejection(extract(other))).toMatchObject({ code: 'IMAGE_INVALID', message: `${VAR_DB}: not an rpm database (no Packages table)` });
  });

  it('a Packages view that would never end is refused before it runs', async () => {
    const endless = await withDatabase(undefined, (d) =>
      d.run(`CREATE VIEW Packages AS WITH RECURSIVE n(hnum) AS (SELECT 1 UNION ALL SELECT hnum + 1 FROM n) SELECT hnum, zeroblob(1000) AS blob FROM n`),
    );
    expect(await rejection(extract(endless))).toMatchObject({ code: 'IMAGE_INVALID', message: `${VAR_DB}: not an rpm database (Packages is a view, not a plain table)` });
  });

  it('a virtual Packages table is refused', async () => {
    const virtual = await withDatabase(undefined, (d) => d.run('CREATE VIRTUAL TABLE Packages USING fts4(hnum, blob)'));
    expect(await rejection(extract(virtual))).toMatchObject({ code: 'IMAGE_INVALID', message: `${VAR_DB}: not an rpm database (Packages is a virtual table, not a plain table)` });
  });

  it('a generated blob column is refused before it runs', async () => {
    const generated = await withDatabase(undefined, (d) => {
      d.run('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, seed INTEGER, blob BLOB GENERATED ALWAYS AS (zeroblob(seed)) VIRTUAL)');
      d.run('INSERT INTO Packages (seed) VALUES (1000000000)');
    });
    expect(await rejection(extract(generated))).toMatchObject({ code: 'IMAGE_INVALID', message: `${VAR_DB}: not an rpm database (Packages.blob is a generated or hidden column)` });
  });

  it('sql.js that fails to load is an INTERNAL StellaError naming the file', async () => {
    const extractor = createRpmExtractor({ loadSqlJs: () => Promise.reject(new Error('wasm unavailable\nsecond line')) });
    const error = await rejection(extractor.extract({ path: VAR_DB, contents: realDb() }));
    expect(error).toMatchObject({ code: 'INTERNAL', message: `${VAR_DB}: the SQLite engine (sql.js) could not be loaded: wasm unavailable` });
  });

  it('refuses a file over the limit without reading it', () => {
    const error = thrownBy(() => registered('rpm').extract({ path: VAR_DB, contents: new Uint8Array(RPM_MAX_FILE_SIZE + 1) }));
    expect(error).toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });
});

describe('rpm: rows and limits', () => {
  it('reads thousands of packages in hnum order, with epochs and source names', async () => {
    const blobs = Array.from({ length: 3000 }, (_, i) =>
      packageHeader({ name: `p${i}`, version: '1.0', release: `${i}`, arch: 'x86_64', ...(i % 2 === 0 ? { epoch: i } : {}), sourceRpm: `s${i % 7}-1.0-${i}.src.rpm` }),
    );
    const { packages, warnings } = await extract(await buildRpmdb(blobs));
    expect(warnings).toBeUndefined();
    expect(packages).toHaveLength(3000);
    expect(packages[2]).toEqual({ type: 'rpm', name: 'p2', version: '2:1.0-2', arch: 'x86_64', sourceName: 's2', sourceFile: VAR_DB, evidence: 'package-db' });
    expect(packages[3]?.version).toBe('1.0-3');
  });

  it('a header without NAME, or with an invalid VERSION, is skipped with a warning', async () => {
    const noName = encodeRpmHeader([stringTag(RPMTAG.VERSION, '1'), stringTag(RPMTAG.RELEASE, '1')]);
    const badVersion = packageHeader({ name: 'b', version: '1-2', release: '1' });
    const ok = packageHeader({ name: 'c', version: '1', release: '1' });
    const result = await extract(await buildRpmdb([noName, badVersion, ok]));
    expect(result.packages.map((p) => p.name)).toEqual(['c']);
    expect(result.warnings).toEqual([
      `${VAR_DB}: Packages record 1: header has no NAME tag; skipped`,
      `${VAR_DB}: Packages record 2: b: invalid VERSION "1-2"; skipped`,
    ]);
  });

  it('an unreadable ARCH or SOURCERPM keeps the package and warns', async () => {
    const result = await extract(await buildRpmdb([packageHeader({ name: 'a', version: '1', release: '1', arch: 'x86 64', sourceRpm: 'garbage' })]));
    expect(result.packages).toEqual([{ type: 'rpm', name: 'a', version: '1-1', sourceFile: VAR_DB, evidence: 'package-db' }]);
    expect(result.warnings).toEqual([
      `${VAR_DB}: Packages record 1: a: unreadable ARCH "x86 64"`,
      `${VAR_DB}: Packages record 1: a: unreadable SOURCERPM "garbage"; source package unknown`,
    ]);
  });

  it('a source rpm of another version gives sourceVersion', async () => {
    const result = await extract(await buildRpmdb([packageHeader({ name: 'a', version: '1', release: '2', epoch: 3, sourceRpm: 'a-1-1.src.rpm' })]));
    expect(result.packages[0]).toMatchObject({ version: '3:1-2', sourceVersion: '1-1' });
    expect(result.packages[0]?.sourceName).toBeUndefined();
  });

  it('caps the number of warnings', async () => {
    const junk = Array.from({ length: 60 }, () => new Uint8Array(3));
    const result = await extract(await buildRpmdb([...junk, packageHeader({ name: 'a', version: '1', release: '1' })]));
    expect(result.packages.map((p) => p.name)).toEqual(['a']);
    expect(result.warnings).toHaveLength(21);
    expect(result.warnings?.at(-1)).toBe(`${VAR_DB}: … and 40 more warnings`);
  });

  it('fileRequired', () => {
    expect(isRpmDatabase(VAR_DB)).toBe(true);
    expect(isRpmDatabase(USR_DB)).toBe(true);
    expect(isRpmDatabase('var/lib/rpm/Packages')).toBe(true);
    expect(isRpmDatabase('usr/lib/sysimage/rpm/Packages')).toBe(true);
    expect(isRpmDatabase('usr/lib/sysimage/rpm/Packages.db')).toBe(false);
    expect(isRpmDatabase('var/lib/rpm/rpmdb.sqlite-wal')).toBe(false);
    expect(isRpmDatabase('/var/lib/rpm/rpmdb.sqlite')).toBe(false);
    expect(isRpmDatabase('usr/share/rpm/rpmdb.sqlite')).toBe(false);
    expect(rpmExtractor.fileRequired).toBe(isRpmDatabase);
    expect(rpmDatabaseShadowedBy('var/lib/rpm/Packages')).toBe('var/lib/rpm/rpmdb.sqlite');
    expect(rpmDatabaseShadowedBy('usr/lib/sysimage/rpm/Packages')).toBe('usr/lib/sysimage/rpm/rpmdb.sqlite');
    expect(rpmDatabaseShadowedBy(VAR_DB)).toBeUndefined();
    expect(rpmDatabaseShadowedBy('opt/rpm/Packages')).toBeUndefined();
  });
});
