/**
 * The Worker's Git path run in Node with the global fetch (it uses only
 * Web-standard APIs) against a real `git http-backend`: fetch a branch into
 * memory, commit, push; a push that lost a race is `rejected`, not forced;
 * a refresh brings only what the copy lacks. Native git checks the result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHttpServer, type GitHttpServer } from '../../test/helpers/git-http-server.js';
import { fsckStrict, git, tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import { fetchBranch, pushBranch, refreshBranch, stateRemote, type BranchRemote } from './branch-copy.js';

let server: GitHttpServer;
let state: TempRepo;
let bare: string;
let remote: BranchRemote;
const author = { name: 'Stella edge', email: 'edge@stella.invalid' };
const bytes = (text: string) => new TextEncoder().encode(text);

beforeAll(async () => {
  server = await startGitHttpServer({ auth: { username: 'edge', password: 'pw' } });
  state = await tempRepo('git-node');
  bare = await server.createBare('state.git');
  await git(state.repo.dir, 'push', bare, 'main');
  remote = stateRemote({ GIT_REMOTE_URL: `${server.url}/state.git`, GIT_USERNAME: 'edge', GIT_PASSWORD: 'pw' }) as BranchRemote;
});
afterAll(async () => {
  await server?.close();
  await state?.cleanup();
});

describe('edge/git over fetch', () => {
  it('fetches main into memory, commits a new branch on it and pushes it', async () => {
    const copy = await fetchBranch(remote, 'main');
    expect(copy.tip).toBe((await git(bare, 'rev-parse', 'main')).trim());
    expect(await copy.store.readFile(copy.tip, 'stella.yaml')).toBeDefined();
    await copy.store.commit({ branch: 'agents/git-node', parent: copy.tip, changes: new Map([['notes/a.txt', bytes('a\n')]]), message: 'a', author });
    const pushed = await pushBranch(remote, copy.store, { branch: 'agents/git-node', base: copy.tip, expected: undefined });
    expect(pushed.status).toBe('ok');
    expect(await git(bare, 'show', 'agents/git-node:notes/a.txt')).toBe('a\n');
    await fsckStrict(bare);
  });

  it('reports a push that lost the race as rejected and leaves the winner in place', async () => {
    const a = await fetchBranch(remote, 'agents/git-node');
    const b = await fetchBranch(remote, 'agents/git-node');
    await a.store.commit({ branch: 'agents/git-node', changes: new Map([['notes/race.txt', bytes('one')]]), message: 'one', author });
    await b.store.commit({ branch: 'agents/git-node', changes: new Map([['notes/race.txt', bytes('two')]]), message: 'two', author });
    const won = await pushBranch(remote, a.store, { branch: 'agents/git-node', base: a.tip, expected: a.tip });
    const lost = await pushBranch(remote, b.store, { branch: 'agents/git-node', base: b.tip, expected: b.tip });
    expect(won.status).toBe('ok');
    expect(lost.status).toBe('rejected');
    expect(await git(bare, 'show', 'agents/git-node:notes/race.txt')).toBe('one');
    await fsckStrict(bare);
  });

  it('refreshes a kept copy with only what it lacks', async () => {
    const copy = await fetchBranch(remote, 'main');
    await git(state.repo.dir, 'commit', '--allow-empty', '-q', '-m', 'later');
    await git(state.repo.dir, 'push', '-q', bare, 'main');
    server.resetStats();
    const refreshed = await refreshBranch(remote, copy, 'main');
    expect(refreshed.tip).toBe((await git(bare, 'rev-parse', 'main')).trim());
    expect(refreshed.tip).not.toBe(copy.tip);
    expect((await refreshed.store.readCommit(refreshed.tip)).parents).toEqual([copy.tip]);
    expect(server.stats.bytesOut).toBeLessThan(4096);
  });
});
