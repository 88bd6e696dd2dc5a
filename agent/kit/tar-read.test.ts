/**
 * The strict kit tar reader on archives written by tar-stream (an
 * independent implementation) and on headers patched byte by byte: what it
 * accepts, and every kind of entry, path and framing it must refuse.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStellaError } from '../../core/errors.js';
import { tarOf, type TarItem } from './kit.test-helper.js';
import { DEFAULT_TAR_LIMITS, readTarStrict, type TarLimits } from './tar-read.js';

let dir: string;
let count = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stella-tar-read-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const file = (name: string, body = 'x\n'): TarItem => ({ name, body: Buffer.from(body) });

async function read(bytes: Buffer, limits: Partial<TarLimits> = {}): Promise<{ files: Map<string, string>; directories: string[] }> {
  const path = join(dir, `t${count++}.tar`);
  await writeFile(path, bytes);
  const files = new Map<string, string>();
  const listing = await readTarStrict(path, { ...DEFAULT_TAR_LIMITS, ...limits }, ({ path: p, bytes: b }) => {
    files.set(p, b.toString('utf8'));
  });
  expect(listing.files).toEqual([...files.keys()]);
  return { files, directories: listing.directories };
}

async function refused(bytes: Buffer, code: string, message: RegExp, limits: Partial<TarLimits> = {}): Promise<void> {
  const error = await read(bytes, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isStellaError(error), 'accepted').toBe(true);
  const { code: actual, message: text } = error as { code: string; message: string };
  expect(actual, text).toBe(code);
  expect(text).toMatch(message);
  expect(text).toMatch(/\.tar: /);
  expect(text).not.toContain('\n');
}

/** Rewrites the 512-byte header at `offset` and fixes its checksum, so only the change itself can be refused. */
function patch(tar: Buffer, offset: number, change: (header: Buffer) => void): Buffer {
  const out = Buffer.from(tar);
  const header = out.subarray(offset, offset + 512);
  change(header);
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return out;
}

describe('readTarStrict accepts', () => {
  it('regular files and directories, with their bytes', async () => {
    const tar = await tarOf([{ name: 'feeds', type: 'directory' }, file('feeds/osv/manifest.json', '{}\n'), file('stella.yaml', 'mesh: a\n')]);
    const { files, directories } = await read(tar);
    expect(directories).toEqual(['feeds']);
    expect([...files]).toEqual([
      ['feeds/osv/manifest.json', '{}\n'],
      ['stella.yaml', 'mesh: a\n'],
    ]);
  });

  it('long paths (ustar prefix) and non-ASCII paths (pax)', async () => {
    const long = `policies/${'a'.repeat(90)}/${'b'.repeat(90)}.yaml`;
    const { files } = await read(await tarOf([file(long), file('vex/été.json')]));
    expect([...files.keys()]).toEqual([long, 'vex/été.json']);
  });

  it('an empty file, and zero padding to a 10 KiB record as GNU tar writes', async () => {
    const tar = await tarOf([file('vex/empty.json', '')]);
    const { files } = await read(Buffer.concat([tar, Buffer.alloc(10240 - (tar.length % 10240))]));
    expect(files.get('vex/empty.json')).toBe('');
  });
});

describe('readTarStrict refuses', () => {
  it.each([
    ['a symbolic link', { name: 'vex/l', type: 'symlink', linkname: '../../etc/passwd' }, /symbolic link/],
    ['a hard link', { name: 'vex/h', type: 'link', linkname: 'stella.yaml' }, /hard link/],
    ['a character device', { name: 'vex/c', type: 'character-device' }, /device file/],
    ['a block device', { name: 'vex/b', type: 'block-device' }, /device file/],
    ['a FIFO', { name: 'vex/f', type: 'fifo' }, /FIFO/],
    ['an absolute path', file('/etc/cron.d/evil'), /is absolute/],
    ['a .. segment', file('vex/../../evil'), /'\.\.' segment/],
    ['a . segment', file('vex/./x'), /'\.' segment/],
    ['an empty segment', file('vex//x'), /empty segment/],
    ['a .git segment', file('vex/.GIT/config'), /'\.git' segment/],
    ['a backslash', file('vex\\..\\evil'), /backslash/],
    ['a control character', file('vex/a\nb'), /control character/],
    ['a drive letter', file('C:/evil'), /drive letter/],
  ] as [string, TarItem, RegExp][])('%s', async (_label, item, message) => {
    await refused(await tarOf([file('stella.yaml'), item]), 'PATH_UNSAFE', message);
  });

  it('the same path twice, also when only the case differs', async () => {
    await refused(await tarOf([file('vex/a.json'), file('vex/a.json')]), 'PATH_UNSAFE', /'vex\/a.json' twice/);
    await refused(await tarOf([file('vex/A.json'), file('vex/a.json')]), 'PATH_UNSAFE', /differ only in case/);
    await refused(await tarOf([{ name: 'vex', type: 'directory' }, file('vex')]), 'PATH_UNSAFE', /twice/);
  });

  it('a path that is both a file and a folder', async () => {
    await refused(await tarOf([file('vex/x'), file('vex/x/y')]), 'PATH_UNSAFE', /below 'vex\/x', which is a file/);
    await refused(await tarOf([file('vex/x'), { name: 'vex/x/d', type: 'directory' }]), 'PATH_UNSAFE', /which is a file/);
  });

  it('a name that is not UTF-8', async () => {
    const tar = patch(await tarOf([file('vex/abc')]), 0, (h) => {
      h[5] = 0xff;
    });
    await refused(tar, 'PATH_UNSAFE', /not valid UTF-8/);
  });

  it.each([
    ['7', /type '7'/],
    ['g', /global pax header/],
    ['L', /GNU long name/],
    ['S', /sparse file/],
    ['V', /type 'V'/],
  ])('entry type %s', async (flag, message) => {
    const tar = patch(await tarOf([file('vex/x')]), 0, (h) => {
      h[156] = flag.charCodeAt(0);
    });
    await refused(tar, 'PATH_UNSAFE', message);
  });

  it('pax keys a kit does not use', async () => {
    const pack = async (pax: Record<string, string>): Promise<Buffer> => {
      const { pack: tarPack } = await import('tar-stream');
      const p = tarPack();
      const chunks: Buffer[] = [];
      p.on('data', (c: unknown) => chunks.push(c as Buffer));
      const done = new Promise<void>((resolve) => p.on('end', () => resolve()));
      p.entry({ name: 'vex/x', pax }, 'x');
      p.finalize();
      await done;
      return Buffer.concat(chunks);
    };
    await refused(await pack({ 'SCHILY.xattr.user.evil': '1' }), 'PATH_UNSAFE', /sets 'SCHILY\.xattr\.user\.evil'/);
    await refused(await pack({ size: '999' }), 'PATH_UNSAFE', /sets 'size'/);
    expect((await read(await pack({ mtime: '1.5' }))).files.get('vex/x')).toBe('x');
  });

  it('a pax header that renames into .. and a malformed pax record', async () => {
    const tar = await tarOf([file('vex/été.json')]); // pax header first
    // Same length, so the record stays well-formed: only the path it carries is hostile.
    await refused(Buffer.from(tar.toString('latin1').replace('path=vex/', 'path=../x'), 'latin1'), 'PATH_UNSAFE', /'\.\.' segment/);
    const broken = Buffer.from(tar);
    broken[512] = 0x30; // the record length now starts with 0
    await refused(broken, 'TAR_CORRUPT', /malformed record/);
  });

  it('a damaged header checksum, an unknown format, a GNU header', async () => {
    const tar = await tarOf([file('vex/x')]);
    const damaged = Buffer.from(tar);
    damaged[100] = 0x37;
    await refused(damaged, 'TAR_CORRUPT', /bad header checksum at offset 0/);
    await refused(
      patch(tar, 0, (h) => h.write('ustar  \0', 257, 'latin1')),
      'TAR_CORRUPT',
      /not POSIX ustar/,
    );
    await refused(
      patch(tar, 0, (h) => h.fill(0, 257, 265)),
      'TAR_CORRUPT',
      /not POSIX ustar/,
    );
  });

  it('a base-256 or garbled size field', async () => {
    const tar = await tarOf([file('vex/x')]);
    await refused(
      patch(tar, 0, (h) => {
        h[124] = 0x80;
      }),
      'TAR_CORRUPT',
      /unreadable size/,
    );
    await refused(
      patch(tar, 0, (h) => h.write('0000000009x', 124, 'latin1')),
      'TAR_CORRUPT',
      /unreadable size/,
    );
  });

  it('a directory with a size', async () => {
    const tar = patch(await tarOf([{ name: 'vex', type: 'directory' }]), 0, (h) => h.write('00000000001', 124, 'latin1'));
    await refused(Buffer.concat([tar.subarray(0, 512), Buffer.alloc(512), tar.subarray(512)]), 'TAR_CORRUPT', /directory 'vex' .* has a size of 1/);
  });

  it('non-zero padding, data after the end, and every kind of truncation', async () => {
    const tar = await tarOf([file('vex/x', 'abc')]);
    const padding = Buffer.from(tar);
    padding[512 + 3] = 1;
    await refused(padding, 'TAR_CORRUPT', /non-zero padding after 'vex\/x'/);
    await refused(Buffer.concat([tar, Buffer.from('appended')]), 'TAR_CORRUPT', /data after the end-of-archive marker/);
    await refused(Buffer.concat([tar, tar]), 'TAR_CORRUPT', /data after the end-of-archive marker/);
    await refused(Buffer.alloc(0), 'TAR_CORRUPT', /empty/);
    await refused(tar.subarray(0, 513), 'TAR_CORRUPT', /truncated: it ends inside the contents of 'vex\/x'/);
    await refused(tar.subarray(0, 600), 'TAR_CORRUPT', /truncated: it ends inside the padding after 'vex\/x'/);
    await refused(tar.subarray(0, 1024), 'TAR_CORRUPT', /truncated: it ends without the end-of-archive marker/);
    await refused(tar.subarray(0, 1536), 'TAR_CORRUPT', /truncated: it has only one of the two end-of-archive blocks/);
    await refused(tar.subarray(0, 1600), 'TAR_CORRUPT', /truncated: it has only one/);
  });

  it('more entries, longer paths, bigger files or more bytes than the limits', async () => {
    const tar = await tarOf([file('vex/a', '12345'), file('vex/b', '12345')]);
    await refused(tar, 'LIMIT_EXCEEDED', /more than 1 entries/, { maxEntries: 1 });
    await refused(tar, 'LIMIT_EXCEEDED', /longer than 4 bytes/, { maxPathBytes: 4 });
    await refused(tar, 'LIMIT_EXCEEDED', /'vex\/a' is 5 bytes, over the limit of 4 per file/, { maxFileBytes: 4 });
    await refused(tar, 'LIMIT_EXCEEDED', /more than 9 bytes in total/, { maxTotalBytes: 9 });
  });
});
