import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempRepo, git, type TempRepo } from '../../test/helpers/repo.js';
import { backoffDelay } from './backoff.js';
import { authProblem, remoteAuth, resolveCredentials, TOKEN_USERNAME } from './credentials.js';
import { resolveRemote } from './remote.js';

let home: string;
let state: TempRepo;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'stella-cred-'));
  state = await tempRepo();
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await state.cleanup();
});

describe('resolveCredentials', () => {
  it('takes username and password, or a token, from the environment before the config file', async () => {
    await writeFile(join(home, 'config.yaml'), 'node: n1\nremote:\n  username: from-file\n  password: file-secret\n');
    const env = { STELLA_HOME: home };
    expect(await resolveCredentials({ ...env, STELLA_GIT_USERNAME: 'ci', STELLA_GIT_PASSWORD: 'pw' })).toEqual({
      username: 'ci',
      password: 'pw',
      source: 'STELLA_GIT_* environment variables',
    });
    expect(await resolveCredentials({ ...env, STELLA_GIT_TOKEN: 'tok' })).toMatchObject({ username: TOKEN_USERNAME, password: 'tok' });
    expect(await resolveCredentials(env)).toEqual({ username: 'from-file', password: 'file-secret', source: join(home, 'config.yaml') });
  });

  it('is undefined without any, and names the variable that is missing or conflicting', async () => {
    expect(await resolveCredentials({ STELLA_HOME: join(home, 'nowhere') })).toBeUndefined();
    await expect(resolveCredentials({ STELLA_HOME: home, STELLA_GIT_PASSWORD: 'pw' })).rejects.toThrow('STELLA_GIT_PASSWORD needs STELLA_GIT_USERNAME');
    await expect(resolveCredentials({ STELLA_HOME: home, STELLA_GIT_PASSWORD: 'pw', STELLA_GIT_TOKEN: 't' })).rejects.toThrow(/not both/);
    await writeFile(join(home, 'bad.yaml'), 'remote:\n  user: x\n');
    await expect(resolveCredentials({ STELLA_CONFIG: join(home, 'bad.yaml') })).rejects.toThrow('unknown setting "remote.user"');
  });

  it('hands credentials over only when asked, and says which source the server refused', async () => {
    const remote = { url: 'https://git.example/state.git', name: 'origin' };
    const credentials = { username: 'u', password: 'p', source: 'STELLA_GIT_* environment variables' };
    const auth = remoteAuth(remote, credentials);
    expect(auth.headers()).toEqual({});
    expect(await auth.onAuth(remote.url, {})).toEqual({ username: 'u', password: 'p' });
    expect(auth.headers()).toEqual({ authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
    expect(await auth.onAuthFailure(remote.url, {})).toEqual({ cancel: true });
    expect(authProblem(remote, auth, 401).message).toBe('remote https://git.example/state.git rejected the credentials from STELLA_GIT_* environment variables (HTTP 401)');
    const none = remoteAuth(remote, undefined);
    expect(await none.onAuth(remote.url, {})).toEqual({ cancel: true });
    expect(authProblem(remote, none, undefined).message).toMatch(/^remote https:\/\/git.example\/state.git requires credentials; set STELLA_GIT_USERNAME/);
  });
});

describe('resolveRemote', () => {
  it("uses the clone's origin, or a --remote URL with its own tracking namespace", async () => {
    const gitdir = state.repo.store.gitdir;
    await expect(resolveRemote(gitdir)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('pass --remote URL') });
    await git(state.repo.dir, 'remote', 'add', 'origin', 'https://git.example/state.git/');
    expect(await resolveRemote(gitdir)).toEqual({ url: 'https://git.example/state.git', name: 'origin' });
    expect(await resolveRemote(gitdir, 'https://git.example/state.git')).toEqual({ url: 'https://git.example/state.git', name: 'origin' });
    expect((await resolveRemote(gitdir, 'http://127.0.0.1:9/other.git')).name).toMatch(/^stella-[0-9a-f]{12}$/);
  });

  it('refuses other transports and URLs that carry credentials, without echoing the secret', async () => {
    const gitdir = state.repo.store.gitdir;
    await expect(resolveRemote(gitdir, 'ssh://git@host/x.git')).rejects.toThrow(/ssh:\/\/ remotes are not supported/);
    const error = await resolveRemote(gitdir, 'https://bot:hunter2@git.example/x.git').catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ code: 'USAGE' });
    expect((error as Error).message).not.toContain('hunter2');
  });
});

describe('backoffDelay', () => {
  it('doubles per attempt up to the cap, with half of each step random', () => {
    const options = { baseMs: 100, capMs: 1000 };
    expect(backoffDelay(1, { ...options, random: () => 0 })).toBe(50);
    expect(backoffDelay(1, { ...options, random: () => 0.999 })).toBe(100);
    expect(backoffDelay(3, { ...options, random: () => 0 })).toBe(200);
    expect(backoffDelay(10, { ...options, random: () => 0.999 })).toBe(1000);
  });
});
