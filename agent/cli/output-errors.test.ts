/**
 * Errors a new user meets first, through the real CLI: each names the
 * user's own input and says what to do, never an internal file.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runStella, type CliRun } from '../../test/helpers/cli.js';

let root: string;
const stella = (...args: string[]): Promise<CliRun> => runStella(args, { env: cliEnv(root), cwd: root });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-errors-'));
  await writeFile(join(root, 'app.cdx.json'), JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [] }));
  await writeFile(join(root, 'notes.txt'), 'remember the milk\n');
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('error messages', () => {
  it('-o into a missing folder names that folder and the file, not a temporary file', async () => {
    const result = await stella('scan', 'app.cdx.json', '-o', join(root, 'no-such-dir', 'r.json'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`stella: cannot write ${join(root, 'no-such-dir', 'r.json')}: the folder ${join(root, 'no-such-dir')} does not exist\n`);
    expect(result.stderr).not.toMatch(/\.tmp|tmp-\d/);
  });

  it('-o onto a folder says it is a folder and leaves no temporary file behind', async () => {
    await mkdir(join(root, 'out'));
    const result = await stella('scan', 'app.cdx.json', '-o', 'out');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('stella: cannot write out: out is a folder\n');
    expect((await readdir(root)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('a file that is no target says what it is not, and does not claim SBOMs are not scanned', async () => {
    const result = await stella('scan', 'notes.txt');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('stella: notes.txt: not a container image, filesystem, project folder or CycloneDX/SPDX SBOM\n');
    expect(result.stderr).not.toContain('imported, not scanned');
  });

  it('a bare registry reference says how to pull it with registry:// and how to make a tar of the image', async () => {
    const result = await stella('scan', 'alpine:3.19');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('stella: alpine:3.19: looks like a registry reference; pull it with `stella scan registry://HOST/alpine:3.19`');
    expect(result.stderr).toContain('`docker save alpine:3.19 -o alpine.tar`');
    expect(result.stderr).toContain('`skopeo copy docker://alpine:3.19 docker-archive:alpine.tar`');
    const missing = await stella('scan', 'no-such-file.tar');
    expect(missing.stderr).toContain('stella: no-such-file.tar: no such file or folder\n');
  });
});
