/**
 * `stella review open` end to end: a real state repository with the bundled
 * advisories imported and a signed report of the sample image committed on
 * `agents/edge-1`, the command parsed by commander as the CLI does, and a
 * local server answering as GitHub's REST API.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isStellaError } from '../../core/errors.js';
import { renderReviewMarkdown } from '../../core/report/review.js';
import { reviewRange } from '../../core/report/review-range.js';
import { tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import { projectRoot } from '../../test/helpers/paths.js';
import { registerReviewOpen, type ReviewOpenIo } from '../cli/commands/review-open.js';
import { importOsv } from '../feeds/import-osv.js';
import { commitReport } from '../scan/commit-report.js';
import { scanTarget } from '../scan/scan.js';
import { startFakeGitHub, type FakeGitHub } from './fake-github.test-helper.js';

const TOKEN = 'ghp_E2EtokenVALUE0123456789abcdef';
let state: TempRepo;
let github: FakeGitHub;
let expectedBody: string;
let findingsCount: number;

beforeAll(async () => {
  state = await tempRepo('edge-1');
  process.env['STELLA_HOME'] = state.home;
  const { repo, key } = state;
  await importOsv(repo, [join(projectRoot, 'examples', 'advisories')], { key });
  const outcome = await scanTarget(join(projectRoot, 'examples', 'sample-image.oci.tar'), { repo });
  findingsCount = outcome.report.findings.length;
  await commitReport(repo, outcome, { node: 'edge-1', key });
  await repo.store.setConfig('remote.origin.url', 'git@github.com:acme/state.git');
  const main = (await repo.store.branchTip('main')) as string;
  const head = (await repo.store.branchTip('agents/edge-1')) as string;
  expectedBody = renderReviewMarkdown(await reviewRange(repo.store, main, head));
}, 300_000);
afterAll(async () => {
  await github?.close();
  await state.cleanup();
});

beforeEach(async () => {
  await github?.close();
  github = await startFakeGitHub({ token: TOKEN, repository: 'acme/state', branches: ['main', 'agents/edge-1'] });
});

/** `stella --repo DIR -q review open ARGS…`, through commander, as bin/stella.js would run it. */
async function reviewOpen(args: string[], io: ReviewOpenIo = {}): Promise<{ out: string; exitCode: number | undefined }> {
  let out = '';
  let exitCode: number | undefined;
  const program = new Command('stella').option('--repo <dir>').option('-q, --quiet').exitOverride();
  const review = program.command('review');
  registerReviewOpen(review, (result) => (exitCode = result.exitCode), { env: {}, ...io, write: (text) => (out += text) });
  await program.parseAsync(['--repo', state.repo.dir, '-q', 'review', 'open', '--node', 'edge-1', ...args], { from: 'user' });
  return { out, exitCode };
}

describe('stella review open', () => {
  it('has findings to review (the sample image against the bundled advisories)', () => {
    expect(findingsCount).toBeGreaterThan(0);
    expect(expectedBody).toMatch(/### New[\s\S]*GHSA-/);
  });

  it('--print shows what would be sent, needs no token and sends nothing', async () => {
    const { out, exitCode } = await reviewOpen(['--print', '--api-url', github.apiUrl]);
    expect(exitCode).toBe(0);
    expect(out).toContain(`api:        ${github.apiUrl}\nrepository: acme/state\n`);
    expect(out).toContain('request:    open or update the pull request agents/edge-1 → main\n');
    expect(out).toContain(`title:      Stella findings from edge-1: ${findingsCount} changed (${findingsCount} new, 0 fixed, 0 updated)\n\n`);
    expect(out.endsWith(`\n\n${expectedBody}`)).toBe(true);
    expect(github.requests).toHaveLength(0);
  });

  it('opens the pull request with the review as its body, then finds the same one again', async () => {
    const first = await reviewOpen(['--api-url', github.apiUrl], { env: { STELLA_FORGE_TOKEN: TOKEN } });
    expect(first).toEqual({ out: 'https://github.example/acme/state/pull/1\n', exitCode: 0 });
    expect(github.pulls).toEqual([
      expect.objectContaining({ head: 'agents/edge-1', base: 'main', title: `Stella findings from edge-1: ${findingsCount} changed (${findingsCount} new, 0 fixed, 0 updated)`, body: expectedBody }),
    ]);
    expect(github.requests.every((r) => String(r.headers['user-agent']).startsWith('stella-mesh/'))).toBe(true);

    const second = await reviewOpen(['--api-url', github.apiUrl], { env: { GITHUB_TOKEN: TOKEN } });
    expect(second.out).toBe('https://github.example/acme/state/pull/1\n');
    expect(github.pulls).toHaveLength(1);
    expect(github.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
  });

  it('fails with a one-line error naming the variables when no token is set', async () => {
    const error = await reviewOpen(['--api-url', github.apiUrl]).catch((e: unknown) => e);
    expect(isStellaError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/^github acme\/state: no API token: set STELLA_FORGE_TOKEN or GITHUB_TOKEN/) as unknown });
    expect(github.requests).toHaveLength(0);
  });

  it('fails on a rejected token without printing it', async () => {
    const wrong = 'ghp_WRONGe2eTOKEN';
    const error = (await reviewOpen(['--api-url', github.apiUrl], { env: { STELLA_FORGE_TOKEN: wrong } }).catch((e: unknown) => e)) as { code: string; message: string };
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('the token from STELLA_FORGE_TOKEN was rejected (HTTP 401: Bad credentials)');
    expect(JSON.stringify(error)).not.toContain(wrong);
  });

  it('asks for --api-url rather than sending the token to a host it was not told about', async () => {
    await state.repo.store.setConfig('remote.origin.url', 'https://ghe.example.com/acme/state.git');
    try {
      const error = (await reviewOpen([], { env: { STELLA_FORGE_TOKEN: TOKEN } }).catch((e: unknown) => e)) as { code: string; message: string };
      expect(error.code).toBe('USAGE');
      expect(error.message).toContain('pass --api-url (for GitHub Enterprise: https://ghe.example.com/api/v3)');
      const withUrl = await reviewOpen(['--api-url', github.apiUrl], { env: { STELLA_FORGE_TOKEN: TOKEN } });
      expect(withUrl.exitCode).toBe(0);
    } finally {
      await state.repo.store.setConfig('remote.origin.url', 'git@github.com:acme/state.git');
    }
  });

  it('--repo-slug overrides the origin remote', async () => {
    const other = await startFakeGitHub({ token: TOKEN, repository: 'acme/other' });
    try {
      const { out } = await reviewOpen(['--repo-slug', 'acme/other', '--api-url', other.apiUrl, '--base', 'main'], { env: { STELLA_FORGE_TOKEN: TOKEN } });
      expect(out).toBe('https://github.example/acme/other/pull/1\n');
      expect(other.requests[0]?.path).toBe('/repos/acme/other/pulls');
    } finally {
      await other.close();
    }
  });

  it('says how to get a branch when the node has none', async () => {
    const error = (await reviewOpen(['--print', '--node', 'edge-2']).catch((e: unknown) => e)) as { code: string; message: string };
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toMatch(/no branch agents\/edge-2 \(nor origin\/agents\/edge-2\); record a report first/);
  });
});
