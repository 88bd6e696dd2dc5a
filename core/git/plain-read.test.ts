import * as fs from 'node:fs';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git as nativeGit } from '../../test/helpers/repo.js';
import { GitStore } from './git-store.js';
import { looseRef, plainConfig } from './plain-read.js';

const PATHS = ['stella.node', 'stella.signingkey', 'remote.origin.url', 'remote.Origin.url', 'remote.other.url', 'core.bare', 'user.name', 'nothing.here', 'stella'];

describe('plain refs and config (the fast path GitStore takes before isomorphic-git)', () => {
  let dir: string;
  let gitdir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stella-plain-'));
    gitdir = join(dir, '.git');
    await nativeGit(dir, 'init', '-q', '-b', 'main');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** Every path: the store, and the plain reader when it is sure, answer what isomorphic-git answers. */
  async function expectLibraryAnswers(): Promise<number> {
    const store = new GitStore({ fs, dir });
    let sure = 0;
    for (const path of PATHS) {
      const value: unknown = await git.getConfig({ fs, gitdir, path }).catch(() => undefined);
      const library = typeof value === 'string' && value !== '' ? value : undefined;
      expect(await store.getConfig(path), path).toBe(library);
      const plain = await plainConfig(fs, gitdir, path);
      if (plain === 'unsure') continue;
      sure += 1;
      expect(plain.value === '' ? undefined : plain.value, path).toBe(library);
    }
    return sure;
  }

  it('reads config git wrote (sections, subsections, a key set twice) as isomorphic-git does', async () => {
    await nativeGit(dir, 'config', 'stella.node', 'edge-1');
    await nativeGit(dir, 'config', '--add', 'stella.node', 'edge-2');
    await nativeGit(dir, 'config', 'remote.origin.url', 'https://git.example/state.git');
    await nativeGit(dir, 'config', 'remote.other.url', 'https://other.example/state.git');
    await appendFile(join(gitdir, 'config'), '# a comment\n; another\n[Stella]\n\tSigningKey = abc123\n');
    expect(await expectLibraryAnswers()).toBe(PATHS.length - 2);
  });

  it('leaves quoting, escapes and old-style subsections to isomorphic-git, with the same answers', async () => {
    for (const extra of ['[stella]\n\tnode = "quoted # value"\n', '[stella]\n\tnode = a\\\\b\n', '[remote.origin]\n\turl = old-style\n', '[stella]\n\tnode\n']) {
      await appendFile(join(gitdir, 'config'), extra);
      expect(await plainConfig(fs, gitdir, 'stella.node')).toBe('unsure');
      await expectLibraryAnswers();
    }
  });

  it('reads a loose branch; a packed or missing one is left to isomorphic-git, and branchTip agrees with git', async () => {
    await nativeGit(dir, 'commit', '-q', '--allow-empty', '-m', 'one');
    const tip = (await nativeGit(dir, 'rev-parse', 'main')).trim();
    const store = new GitStore({ fs, dir });
    expect(await looseRef(fs, gitdir, 'refs/heads/main')).toBe(tip);
    await nativeGit(dir, 'pack-refs', '--all');
    expect(await looseRef(fs, gitdir, 'refs/heads/main')).toBeUndefined();
    expect(await store.branchTip('main')).toBe(tip);
    expect(await looseRef(fs, gitdir, 'refs/heads/none')).toBeUndefined();
    expect(await store.branchTip('none')).toBeUndefined();
  });
});
