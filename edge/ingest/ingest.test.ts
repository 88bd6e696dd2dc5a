/**
 * Ingest end to end: the bundled Worker in Miniflare, a real `git
 * http-backend` on loopback as its state repository, native git and
 * `stella verify` as the checkers afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleTestWorker, edgeFixture, sampleReport, signedSubmission, startEdge, type EdgeFixture, type RunningEdge } from '../edge-harness.test-helper.js';
import { cliEnv, runStella } from '../../test/helpers/cli.js';
import { fsckStrict, git } from '../../test/helpers/repo.js';

let fixture: EdgeFixture;
let edge: RunningEdge;
let work: string;

beforeAll(async () => {
  fixture = await edgeFixture();
  edge = await startEdge(await bundleTestWorker(), fixture.url, { QUOTA_REPORTS_PER_MINUTE: '40' });
  work = await mkdtemp(join(tmpdir(), 'stella-edge-ingest-'));
});
afterAll(async () => {
  await edge?.close();
  await fixture?.close();
  await rm(work, { recursive: true, force: true });
});

function post(node: string, body: unknown): Promise<Response> {
  return fetch(`${edge.url}/v1/reports`, { method: 'POST', headers: { 'x-test-node': node, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function settled(node: string, digest: string): Promise<{ status: string; commit?: string; reason?: string }> {
  for (;;) {
    const record = (await (await fetch(`${edge.url}/v1/reports/${digest}`, { headers: { 'x-test-node': node } })).json()) as { status: string; commit?: string; reason?: string };
    if (record.status !== 'accepted') return record;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function commitCount(branch: string): Promise<number> {
  return Number((await git(fixture.bare, 'rev-list', '--count', branch)).trim());
}

describe('POST /v1/reports', () => {
  it('commits a burst of verified reports to agents/<node> in few commits, each report once, and the repository verifies', async () => {
    const key = fixture.keys.get('n2')!;
    const bodies = await Promise.all(Array.from({ length: 12 }, (_, i) => signedSubmission(key, 'n2', sampleReport(`app-${i}`))));
    const answers = await Promise.all(bodies.map((body) => post('n2', body)));
    expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 202));
    const records = await Promise.all(answers.map((a) => a.json() as Promise<{ digest: string; folder: string }>));
    expect(records[0]!.folder).toBe('findings/n2/app-0');
    const outcomes = await Promise.all(records.map((r) => settled('n2', r.digest)));
    expect(outcomes.map((o) => o.status)).toEqual(bodies.map(() => 'committed'));
    const mainCount = await commitCount('main');
    const made = (await commitCount('agents/n2')) - mainCount;
    expect(made).toBeGreaterThanOrEqual(1);
    expect(made).toBeLessThanOrEqual(3);
    const files = (await git(fixture.bare, 'ls-tree', '-r', '--name-only', 'agents/n2', 'findings/n2')).trim().split('\n');
    expect(files.filter((f) => f.endsWith('/report.json'))).toHaveLength(12);
    expect(new Set(files).size).toBe(files.length);
    await fsckStrict(fixture.bare);

    const clone = join(work, 'clone');
    await git(work, 'clone', '--quiet', fixture.bare, clone);
    const verify = await runStella(['--repo', clone, 'verify'], { env: cliEnv(work), cwd: work });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(/"reports":(\d+)/.exec(verify.stdout + verify.stderr)?.[1]).toBe("12");
  });

  it('answers a replay with the original record and makes no second commit', async () => {
    const body = await signedSubmission(fixture.keys.get('n1')!, 'n1', sampleReport('replayed'));
    const first = await post('n1', body);
    expect(first.status).toBe(202);
    const { digest } = (await first.json()) as { digest: string };
    const committed = await settled('n1', digest);
    expect(committed.status).toBe('committed');
    const before = await commitCount('agents/n1');
    const again = await post('n1', body);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ digest, status: 'committed', commit: committed.commit, replayed: true });
    expect(await commitCount('agents/n1')).toBe(before);
  });

  it('commits on the branch as another writer left it, when the branch moved since its own last push', async () => {
    // Right after a push the next round trusts the tip it pushed (no sync); the compare-and-swap must catch the move.
    const earlier = await post('n1', await signedSubmission(fixture.keys.get('n1')!, 'n1', sampleReport('before-move')));
    expect((await settled('n1', ((await earlier.json()) as { digest: string }).digest)).status).toBe('committed');
    const main = (await git(fixture.bare, 'rev-parse', 'main')).trim();
    await git(fixture.bare, 'update-ref', 'refs/heads/agents/n1', main);
    const answer = await post('n1', await signedSubmission(fixture.keys.get('n1')!, 'n1', sampleReport('after-move')));
    expect(answer.status).toBe(202);
    const { digest } = (await answer.json()) as { digest: string };
    expect(answer.headers.get('location')).toBe(`/v1/reports/${digest}`);
    const record = await settled('n1', digest);
    expect(record.status).toBe('committed');
    expect((await git(fixture.bare, 'rev-parse', 'agents/n1')).trim()).toBe(record.commit);
    expect((await git(fixture.bare, 'rev-parse', 'agents/n1^')).trim()).toBe(main);
    expect((await git(fixture.bare, 'ls-tree', '--name-only', 'agents/n1', 'findings/n1/')).trim().split('\n')).toEqual(['findings/n1/after-move']);
  });

  it('refuses bad input with a problem document and commits nothing', async () => {
    const refs = await git(fixture.bare, 'for-each-ref');
    const n1 = fixture.keys.get('n1')!;
    const cases: [string, Response, number, string][] = [];
    // Signed by n1's key but submitted (and claiming to be) from n2.
    cases.push(['other node key', await post('n2', await signedSubmission(n1, 'n2', sampleReport('stolen'))), 403, 'key-not-enrolled']);
    cases.push(['malformed JSON', await post('n1', '{"bundle": '), 400, 'malformed-json']);
    const invalid = await signedSubmission(n1, 'n1', sampleReport('bad-schema'));
    const broken = JSON.parse(invalid.report) as Record<string, unknown>;
    delete broken['findings'];
    cases.push(['schema-invalid report', await post('n1', { ...invalid, report: `${JSON.stringify(broken)}\n` }), 422, 'report-invalid']);
    const tampered = await signedSubmission(n1, 'n1', sampleReport('tampered'));
    cases.push(['report not the signed one', await post('n1', { ...tampered, sbom: `${tampered.sbom} ` }), 422, 'report-rejected']);
    cases.push(['over the size limit', await post('n1', JSON.stringify({ pad: 'x'.repeat(9 * 1024 * 1024) })), 413, 'body-too-large']);
    cases.push(['no agent', await fetch(`${edge.url}/v1/reports`, { method: 'POST', body: '{}' }), 401, 'invalid-token']);
    for (const [name, response, status, kind] of cases) {
      expect(response.status, name).toBe(status);
      expect(response.headers.get('content-type'), name).toBe('application/problem+json');
      const problem = (await response.json()) as { type: string; status: number; detail: string };
      expect(problem.type, name).toBe(`https://stella-mesh.dev/problems/${kind}`);
      expect(problem.status, name).toBe(status);
    }
    expect(await git(fixture.bare, 'for-each-ref')).toBe(refs);
  });

  it('stores a large body in R2 and still commits it', async () => {
    const findings = Array.from({ length: 900 }, (_, i) => ({
      id: `GHSA-test-${String(i).padStart(4, '0')}`,
      aliases: [],
      purl: `pkg:npm/pkg-${i}@1.0.0`,
      name: `pkg-${i}`,
      installed: '1.0.0',
      severity: { level: 'LOW' as const, source: 'none' as const, cvss: [] },
      summary: 'a long summary line to make the report bigger than the inline limit of the edge',
    }));
    const body = await signedSubmission(fixture.keys.get('n1')!, 'n1', sampleReport('large', findings));
    expect(JSON.stringify(body).length).toBeGreaterThan(256 * 1024);
    const answer = await post('n1', body);
    expect(answer.status).toBe(202);
    const { digest } = (await answer.json()) as { digest: string };
    expect((await settled('n1', digest)).status).toBe('committed');
    const bucket = await edge.mf.getR2Bucket('BLOBS');
    expect((await bucket.list({ prefix: 'incoming/n1/' })).objects).toHaveLength(1);
  });

  it('answers 429 with Retry-After past the node quota', async () => {
    const key = fixture.keys.get('n1')!;
    let refused: Response | undefined;
    // Quota windows are fixed minutes: the posts may straddle one boundary, so up to twice the limit and one more.
    for (let i = 0; i < 81 && refused === undefined; i++) {
      const answer = await post('n1', await signedSubmission(key, 'n1', sampleReport(`quota-${i}`)));
      if (answer.status === 429) refused = answer;
      else expect(answer.status).toBe(202);
    }
    expect(refused?.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
