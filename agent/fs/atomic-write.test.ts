import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAtomically, writeFileAtomically } from './atomic-write.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-atomic-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('writeFileAtomically', () => {
  it('writes text or chunks, replaces an existing file, and returns the byte count', async () => {
    const file = join(root, 'a.txt');
    expect(await writeFileAtomically(file, 'first')).toBe(5);
    expect(await writeFileAtomically(file, [new Uint8Array([104, 105]), new Uint8Array([33])])).toBe(3);
    expect(await readFile(file, 'utf8')).toBe('hi!');
  });

  it('applies the mode to a new file', async () => {
    const file = join(root, 'secret.yaml');
    await writeFileAtomically(file, 'x', { mode: 0o600 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('names the missing folder and the file, with a code, never the temporary file', async () => {
    const file = join(root, 'missing', 'r.json');
    const error = await writeFileAtomically(file, '{}').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: `cannot write ${file}: the folder ${join(root, 'missing')} does not exist` });
  });

  it('says when the target is a folder, and removes its temporary file', async () => {
    await mkdir(join(root, 'folder'));
    const error = await writeFileAtomically(join(root, 'folder'), 'x').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WRITE_FAILED', message: `cannot write ${join(root, 'folder')}: ${join(root, 'folder')} is a folder` });
    expect((await readdir(root)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('writeAtomically', () => {
  it('passes an error of the producer through unchanged and leaves the old file as it was', async () => {
    const file = join(root, 'kept.txt');
    await writeFileAtomically(file, 'old');
    const failure = new Error('producer failed');
    await expect(writeAtomically(file, async (handle) => {
      await handle.write('partial');
      throw failure;
    })).rejects.toBe(failure);
    expect(await readFile(file, 'utf8')).toBe('old');
    expect((await readdir(root)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
