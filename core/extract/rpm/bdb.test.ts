/**
 * The rpm extractor on Berkeley DB `Packages` files: real rpm headers
 * (packages built and installed by rpm), written by Berkeley DB's own
 * `db_load` in every layout it can take (page sizes, byte orders,
 * checksums), with `rpm -qa` as the oracle twice over: on the SQLite
 * database rpm installed into, and through rpm's own Berkeley DB reader
 * (`_db_backend bdb_ro`) on the file db_load wrote. Then copies damaged on
 * purpose: each damage is a warning naming it, or one error, never a read
 * out of bounds or a loop.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractResult } from '../extractor.js';
import { rejectionOf, xorshift32 } from '../fixtures.test-helper.js';
import { rpmExtractor } from './index.js';
import { buildPackages, byName, installRoot, queryInstalled, requireTools, writeBdbPackages } from './real-rpmdb.test-helper.js';
import type { BdbLayout, Spec } from './real-rpmdb.test-helper.js';
import { packageHeader, withDatabase } from './rpmdb.test-helper.js';

const PACKAGES = 'var/lib/rpm/Packages';

/** Two small packages and one whose header (400 files, their digests) spans many pages of every size but 64 KiB. */
const SPECS: Record<string, Spec> = {
  'small.spec': {
    spec: 'Name: small\nVersion: 1.0\nRelease: 1.el8\nEpoch: 3\nSummary: small\nLicense: MIT\nBuildArch: noarch\n%description\nsmall\n%files\n',
    builds: 'small-1.0-1.el8',
  },
  'sub.spec': {
    spec: 'Name: parent\nVersion: 2.4\nRelease: 9.el7\nSummary: parent\nLicense: MIT\nBuildArch: noarch\n%description\nparent\n%package -n child\nSummary: child\n%description -n child\nchild\n%files -n child\n',
    builds: 'child-2.4-9.el7',
  },
  'big.spec': {
    spec:
      'Name: big\nVersion: 7.1\nRelease: 2.amzn2\nSummary: big\nLicense: MIT\nBuildArch: noarch\n%description\nbig\n' +
      '%install\nmkdir -p %{buildroot}/usr/share/big\nfor i in $(seq 1 400); do echo $i > %{buildroot}/usr/share/big/file-$i-with-a-longer-name.txt; done\n' +
      '%files\n/usr/share/big\n',
    builds: 'big-7.1-2.amzn2',
  },
};

let work = '';
/** The header blobs rpm installed, by instance number. */
let records = new Map<number, Uint8Array>();
/** `rpm -qa` on the SQLite database rpm installed into. */
let oracle: ExtractedPackage[] = [];

beforeAll(async () => {
  await requireTools(
    [
      ['rpmbuild', '--version'],
      ['rpm', '--version'],
      ['db5.3_load', '-V'],
    ],
    'apt-get install rpm db5.3-util',
  );
  work = mkdtempSync(join(tmpdir(), 'stella-rpm-bdb-'));
  const root = await installRoot(work, 'root', '/var/lib/rpm', await buildPackages(work, SPECS));
  oracle = await queryInstalled(['--root', root, '--dbpath', '/var/lib/rpm'], PACKAGES);
  await withDatabase(readFileSync(join(root, 'var/lib/rpm/rpmdb.sqlite')), (db) => {
    for (const [hnum, blob] of db.exec('SELECT hnum, blob FROM Packages')[0]?.values ?? []) records.set(Number(hnum), blob as Uint8Array);
  });
}, 120_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

let written = 0;
/** A Packages file db_load wrote from `from` in `layout`, in a folder of its own (rpm's --dbpath). */
async function bdbFile(layout: BdbLayout, from: ReadonlyMap<number, Uint8Array> = records): Promise<{ dir: string; bytes: Uint8Array }> {
  const dir = join(work, `bdb-${++written}`);
  mkdirSync(dir);
  return { dir, bytes: readFileSync(await writeBdbPackages(dir, from, layout)) };
}

async function extract(contents: Uint8Array): Promise<ExtractResult> {
  return rpmExtractor.extract({ path: PACKAGES, contents });
}

const LITTLE_4K: BdbLayout = { pageSize: 4096, bigEndian: false, checksum: false };

describe('rpm: Berkeley DB Packages written by db_load', () => {
  it('the big header needs overflow pages: it is larger than a 4 KiB page', () => {
    expect(records.size).toBe(3);
    expect(Math.max(...[...records.values()].map((blob) => blob.byteLength))).toBeGreaterThan(16_384);
  });

  const layouts: BdbLayout[] = [512, 4096, 16_384, 65_536].flatMap((pageSize) => [false, true].map((bigEndian) => ({ pageSize, bigEndian, checksum: false })));

  it.each(layouts)('pages of $pageSize bytes, big-endian $bigEndian: what rpm -qa reports, through SQLite and through Berkeley DB', async (layout) => {
    const { dir, bytes } = await bdbFile(layout);
    const result = await extract(bytes);
    expect(result.warnings).toBeUndefined();
    expect(byName(result.packages)).toEqual(byName(oracle));
    // rpm's own reader of the same file (it warns on stderr about the index files db_load did not write).
    const viaRpm = await queryInstalled(['--dbpath', dir, '--define', '_db_backend bdb_ro'], PACKAGES);
    expect(byName(viaRpm)).toEqual(byName(oracle));
  });

  // rpm never writes page checksums, and its own reader does not expect them (it misreads such a file),
  // so the oracle here is rpm on the SQLite database alone.
  it.each([
    { pageSize: 4096, bigEndian: false, checksum: true },
    { pageSize: 512, bigEndian: true, checksum: true },
  ])('pages of $pageSize bytes with checksums, big-endian $bigEndian: what rpm -qa reports through SQLite', async (layout) => {
    const result = await extract((await bdbFile(layout)).bytes);
    expect(result.warnings).toBeUndefined();
    expect(byName(result.packages)).toEqual(byName(oracle));
  });

  it('epochs, source rpm names and architecture as the model wants them', async () => {
    const { packages } = await extract((await bdbFile(LITTLE_4K)).bytes);
    expect(byName(packages)).toEqual([
      { type: 'rpm', name: 'big', version: '7.1-2.amzn2', arch: 'noarch', sourceFile: PACKAGES, evidence: 'package-db' },
      { type: 'rpm', name: 'child', version: '2.4-9.el7', arch: 'noarch', sourceName: 'parent', sourceFile: PACKAGES, evidence: 'package-db' },
      { type: 'rpm', name: 'small', version: '3:1.0-1.el8', arch: 'noarch', sourceFile: PACKAGES, evidence: 'package-db' },
    ]);
  });

  it('skips gpg-pubkey pseudo-packages and rpm record 0 quietly', async () => {
    const withKey = new Map(records).set(99, packageHeader({ name: 'gpg-pubkey', version: 'fd431d51', release: '4ae0493b' }));
    const result = await extract((await bdbFile(LITTLE_4K, withKey)).bytes);
    expect(result.warnings).toBeUndefined();
    expect(result.packages.map((p) => p.name).sort()).toEqual(['big', 'child', 'small']);
  });

  it('reads many packages across many hash pages', async () => {
    const many = new Map(Array.from({ length: 2000 }, (_, i) => [i + 1, packageHeader({ name: `pkg${i}`, version: `${i}.0`, release: '1.el8', arch: 'x86_64' })] as const));
    const result = await extract((await bdbFile({ pageSize: 1024, bigEndian: false, checksum: false }, many)).bytes);
    expect(result.warnings).toBeUndefined();
    expect(new Set(result.packages.map((p) => p.name)).size).toBe(2000);
  });
});

/** Where things are in a Berkeley DB file, found the way a reader would: for placing damage. */
function locate(bytes: Uint8Array, pageSize: number): { hashPage: number; offpage: number; overflowPage: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let pgno = 1; pgno * pageSize < bytes.byteLength; pgno++) {
    const page = pgno * pageSize;
    if (bytes[page + 25] !== 13 && bytes[page + 25] !== 2) continue;
    const entries = view.getUint16(page + 20, true);
    for (let i = 1; i < entries; i += 2) {
      const item = page + view.getUint16(page + 26 + i * 2, true);
      if (bytes[item] === 3) return { hashPage: page, offpage: item, overflowPage: view.getUint32(item + 4, true) * pageSize };
    }
  }
  throw new Error('no off-page value in the file');
}

describe('rpm: damaged Berkeley DB Packages', () => {
  const damaged = async (change: (bytes: Uint8Array, view: DataView, where: ReturnType<typeof locate>) => void): Promise<ExtractResult> => {
    const bytes = Uint8Array.from((await bdbFile({ pageSize: 512, bigEndian: false, checksum: false })).bytes);
    change(bytes, new DataView(bytes.buffer), locate(bytes, 512));
    return extract(bytes);
  };

  it('an overflow chain that loops back on itself: a warning for that package, the others reported', async () => {
    const result = await damaged((_bytes, view, { overflowPage }) => view.setUint32(overflowPage + 16, overflowPage / 512, true));
    expect(result.warnings).toEqual([expect.stringMatching(/^var\/lib\/rpm\/Packages: Packages record \d+: overflow chain from page \d+ loops back to page \d+; skipped$/)]);
    expect(result.packages).toHaveLength(2);
  });

  it('an overflow chain pointing outside the file', async () => {
    const result = await damaged((_bytes, view, { offpage }) => view.setUint32(offpage + 4, 0x7fffffff, true));
    expect(result.warnings).toEqual([expect.stringMatching(/: overflow chain reaches page 2147483647, outside the file, after 0 of \d+ bytes; skipped$/)]);
    expect(result.packages).toHaveLength(2);
  });

  it('an overflow chain that ends early', async () => {
    const result = await damaged((_bytes, view, { overflowPage }) => view.setUint32(overflowPage + 16, 0, true));
    expect(result.warnings).toEqual([expect.stringMatching(/: overflow chain ends after \d+ of \d+ bytes; skipped$/)]);
  });

  it("a length beyond rpm's header limit is not read at all", async () => {
    const result = await damaged((_bytes, view, { offpage }) => view.setUint32(offpage + 8, 0xffffffff, true));
    expect(result.warnings).toEqual([expect.stringMatching(/: header blob of 4294967295 bytes is larger than the database or rpm's header limit; not read; skipped$/)]);
  });

  it('an overflow chain through a page that is not an overflow page', async () => {
    const result = await damaged((bytes, _view, { overflowPage }) => {
      bytes[overflowPage + 25] = 13;
    });
    // The page, now typed as a hash page, is also read as one: its own problems may follow; the chain's is there.
    expect(result.warnings).toContainEqual(expect.stringMatching(/^var\/lib\/rpm\/Packages: Packages record \d+: page \d+ in an overflow chain is not an overflow page; skipped$/));
    expect(result.packages).toHaveLength(2);
  });

  it('a hash page whose index points outside the page: that page is reported, the others read', async () => {
    const result = await damaged((_bytes, view, { hashPage }) => view.setUint16(hashPage + 26, 0xffff, true));
    expect(result.warnings).toEqual([expect.stringMatching(/^var\/lib\/rpm\/Packages: page \d+: item 0 at offset 65535, outside the page's item space; its records are not read$/)]);
  });

  it('a file cut short: the pages present are read, and what is missing is said', async () => {
    const { bytes } = await bdbFile({ pageSize: 512, bigEndian: false, checksum: false });
    const result = await extract(bytes.subarray(0, Math.floor(bytes.byteLength / 2)));
    expect(result.warnings?.at(-1)).toMatch(/^var\/lib\/rpm\/Packages: the file ends at page \d+ of \d+; the rest is not read$/);
  });

  it('any bytes damaged anywhere: packages and warnings, or one IMAGE_INVALID error; never another error', async () => {
    const { bytes } = await bdbFile({ pageSize: 512, bigEndian: false, checksum: false });
    const next = xorshift32(0x2545f491);
    for (let round = 0; round < 300; round++) {
      const copy = Uint8Array.from(bytes);
      for (let hits = 1 + (next() % 8); hits > 0; hits--) copy[next() % copy.byteLength] = next() & 0xff;
      const outcome = await extract(copy).then(
        (result) => ({ packages: result.packages.length }),
        (error: unknown) => ({ code: (error as { code?: unknown }).code }),
      );
      if ('code' in outcome) expect(outcome, `round ${round}`).toEqual({ code: 'IMAGE_INVALID' });
      else expect(outcome.packages, `round ${round}`).toBeLessThanOrEqual(3);
    }
  });

  it.each([
    ['encrypted', (bytes: Uint8Array) => void (bytes[24] = 1), /: not a readable Berkeley DB hash database \(encrypted\)$/],
    ['a page size Berkeley DB never writes', (bytes: Uint8Array) => new DataView(bytes.buffer).setUint32(20, 1000, true), /\(page size 1000\)$/],
    ['an unknown hash version', (bytes: Uint8Array) => new DataView(bytes.buffer).setUint32(16, 42, true), /\(hash version 42; versions 8 to 10 \(Berkeley DB 4 and 5\) are read\)$/],
    ['a btree, not a hash', (bytes: Uint8Array) => new DataView(bytes.buffer).setUint32(12, 0x053162, true), /: a Berkeley DB btree, not the hash database rpm keeps packages in$/],
  ])('%s: one error naming the file', async (_label, change, message) => {
    const bytes = Uint8Array.from((await bdbFile(LITTLE_4K)).bytes);
    change(bytes);
    const error = await rejectionOf(extract(bytes));
    expect(error).toMatchObject({ code: 'IMAGE_INVALID', message: expect.stringMatching(message) });
  });
});
