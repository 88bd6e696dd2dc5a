/**
 * The ingest mirror's memory: a node's Durable Object commits report after
 * report, each with an SBOM of hundreds of kilobytes, and the bytes its
 * in-memory mirror holds must not grow with them. Driven here in Node
 * through the same `StateRemote` and `Committer` the Worker runs, against a
 * real `git http-backend`; then a fresh object (after an eviction) on the
 * grown history, a merge of an older tip into main (a round reads a bundle
 * the mirror dropped: it starts over and commits), and a replayed sequence
 * (still refused, nothing committed).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { webTransport } from '../../core/git/smart-http.js';
import type { Finding, Report, ReportComponent } from '../../core/model/report.js';
import { SignatureMemo } from '../../core/sign/signature-memo.js';
import type { SigningKey } from '../../core/sign/keys.js';
import { currentTrustRoot } from '../../core/verify/trust-state.js';
import { git } from '../../test/helpers/repo.js';
import { edgeFixture, sampleReport, signedSubmission, type EdgeFixture } from '../edge-harness.test-helper.js';
import { parseSubmission } from '../ingest/body.js';
import { Committer, type BatchOutcome } from '../ingest/committer.js';
import { verifySubmission, type VerifiedReport } from '../ingest/verify.js';
import type { PromiseFsClient } from '../../core/git/git-store.js';
import { StateRemote } from './state-remote.js';

/** Report folders the node keeps rewriting, and rounds of one report per folder. */
const TARGETS = 3;
const ROUNDS = 24;
/** Components per target: an SBOM of about 600 KB and a report of about 200 KB, as a container image's are. */
const COMPONENTS = 1_600;
/**
 * What the mirror may hold after a round: the node's folders at the two tips
 * (trees and bundles), the trust root, and about a kilobyte per commit of
 * history (the commit and its root tree). The reports' files — here about
 * 1.5 MB a round — are not part of it.
 */
const BOUND_FIXED = 256 << 10;
const BOUND_PER_COMMIT = 1 << 10;

let fixture: EdgeFixture;
let key: SigningKey;

beforeAll(async () => {
  fixture = await edgeFixture();
  key = fixture.keys.get('n1') as SigningKey;
});
afterAll(() => fixture?.close());

/** Bytes of every file in the mirror's filesystem, walked from its root (the measure the bound is stated in). */
async function filesHeld(fs: PromiseFsClient, path = '/'): Promise<number> {
  let total = 0;
  for (const name of await fs.promises.readdir(path)) {
    const child = path === '/' ? `/${name}` : `${path}/${name}`;
    const stat = await fs.promises.stat(child);
    total += stat.isDirectory() ? await filesHeld(fs, child) : stat.size;
  }
  return total;
}

/** A container image's package list: Debian packages and npm modules, a few upgraded each round. */
function components(target: number, round: number): ReportComponent[] {
  const out: ReportComponent[] = [];
  for (let i = 0; i < COMPONENTS; i++) {
    const upgraded = i % 97 === round % 97 ? round : 0;
    if (i % 3 === 0) {
      const name = `lib${['ssl', 'curl', 'xml2', 'gnutls', 'krb5', 'ldap', 'sasl2', 'gcrypt'][i % 8]}-${i}-t${target}`;
      const version = `${1 + (i % 4)}.${i % 23}.${(i * 7) % 31}-${1 + upgraded}+deb12u${i % 5}`;
      out.push({ purl: `pkg:deb/debian/${name}@${encodeURIComponent(version)}?arch=amd64&distro=debian-12`, name, version, type: 'deb' });
    } else {
      const name = `@${['babel', 'types', 'aws-sdk', 'opentelemetry'][i % 4]}/module-${i}-t${target}`;
      const version = `${i % 9}.${(i * 3) % 40}.${(i * 11) % 17 + upgraded}`;
      out.push({ purl: `pkg:npm/${encodeURIComponent(name)}@${version}`, name, version, type: 'npm' });
    }
  }
  return out;
}

function largeReport(target: number, round: number): Report {
  const report = sampleReport(`image-${target}`, [] as Finding[]);
  const list = components(target, round);
  return { ...report, components: list, summary: { ...report.summary, components: list.length } };
}

/** A CycloneDX SBOM of the report's components as a scanner writes one: refs, file hashes, licences. */
function cycloneDx(report: Report): string {
  const licences = ['MIT', 'Apache-2.0', 'GPL-2.0-or-later', 'BSD-3-Clause', 'LGPL-2.1-only', 'ISC'];
  const components = report.components.map((c, i) => ({
    type: 'library',
    'bom-ref': c.purl,
    name: c.name,
    version: c.version,
    purl: c.purl,
    hashes: [{ alg: 'SHA-256', content: pseudoDigest(`${c.purl}`) }],
    licenses: [{ license: { id: licences[i % licences.length] } }],
    properties: [{ name: 'stella:layer', value: `sha256:${pseudoDigest(`layer-${i % 7}`)}` }],
  }));
  return `${JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, metadata: { component: { type: 'container', name: report.target.name } }, components }, null, 2)}\n`;
}

/** 64 hex digits that look like a SHA-256 and compress like one (xorshift over the text's code points). */
function pseudoDigest(text: string): string {
  let state = 2166136261;
  for (let i = 0; i < text.length; i++) state = Math.imul(state ^ text.charCodeAt(i), 16777619) >>> 0;
  let out = '';
  while (out.length < 64) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out += state.toString(16).padStart(8, '0');
  }
  return out;
}

async function submission(remote: StateRemote, memo: SignatureMemo, target: number, sequence: number): Promise<VerifiedReport> {
  const tips = await remote.sync(['main']);
  const root = await currentTrustRoot(remote.store, tips.get('main') as string);
  const report = largeReport(target, sequence);
  const body = new TextEncoder().encode(JSON.stringify(await signedSubmission(key, 'n1', report, sequence, new Date(), cycloneDx(report))));
  return verifySubmission(root, 'n1', parseSubmission(body), memo);
}

/** One object as the Durable Object holds it: a mirror and a committer, and the outcomes of its rounds. */
function nodeObject(): { remote: StateRemote; committer: Committer; memo: SignatureMemo; outcomes: BatchOutcome[] } {
  const remote = new StateRemote({ transport: webTransport, url: fixture.url });
  const memo = new SignatureMemo();
  const outcomes: BatchOutcome[] = [];
  const committer = new Committer(remote, 'n1', async (outcome) => void outcomes.push(outcome), memo);
  return { remote, committer, memo, outcomes };
}

async function commitsOn(ref: string): Promise<number> {
  return Number((await git(fixture.bare, 'rev-list', '--count', ref)).trim());
}

describe('the ingest mirror', () => {
  it('holds a bounded number of bytes however many large reports it commits, and a fresh one trims the history it fetched', async () => {
    const { remote, committer, memo, outcomes } = nodeObject();
    const resets = vi.spyOn(remote, 'reset');
    const held: number[] = [];
    let written = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      for (let target = 0; target < TARGETS; target++) {
        const report = await submission(remote, memo, target, round);
        written += [...report.files.values()].reduce((sum, bytes) => sum + bytes.length, 0);
        committer.enqueue(report);
      }
      await committer.idle();
      const bytes = await filesHeld(remote.store.fs as PromiseFsClient);
      held.push(bytes);
      const bound = BOUND_FIXED + BOUND_PER_COMMIT * (await commitsOn('agents/n1'));
      expect(bytes, `round ${round}: ${bytes} bytes held, bound ${bound}`).toBeLessThanOrEqual(bound);
      expect(remote.heldBytes()).toBe(bytes);
    }
    expect(outcomes.map((o) => o.$case)).toEqual(outcomes.map(() => 'committed'));
    expect(outcomes.length).toBeGreaterThanOrEqual(ROUNDS);
    // Every round read only what the trimmed mirror kept: none had to start over.
    expect(resets).not.toHaveBeenCalled();
    console.log(`mirror: ${(written / 2 ** 20).toFixed(1)} MiB of report files committed in ${outcomes.length} rounds; held after round 1: ${held[0]} bytes, after the last: ${held.at(-1)}`);
    // What it keeps grows by the commits only, never by the reports' files.
    expect((held.at(-1) as number) - (held[2] as number)).toBeLessThanOrEqual(BOUND_PER_COMMIT * 2 * (ROUNDS - 3));

    // After an eviction: a fresh object fetches the grown history whole, and its first round trims it.
    const fresh = nodeObject();
    await fresh.remote.sync(['main', 'agents/n1']);
    const fetched = await filesHeld(fresh.remote.store.fs as PromiseFsClient);
    expect(fetched).toBeGreaterThan(512 << 10);
    fresh.committer.enqueue(await submission(fresh.remote, fresh.memo, 0, ROUNDS + 1));
    await fresh.committer.idle();
    expect(fresh.outcomes.map((o) => o.$case)).toEqual(['committed']);
    expect(fresh.remote.trimmed).toBe(true);
    const trimmed = await filesHeld(fresh.remote.store.fs as PromiseFsClient);
    console.log(`fresh mirror: ${fetched} bytes after fetching both histories, ${trimmed} after its first round`);
    expect(trimmed).toBeLessThanOrEqual(BOUND_FIXED + BOUND_PER_COMMIT * (await commitsOn('agents/n1')));
  });

  it('starts over when a round reads what it dropped, commits on main merging an older tip, and still refuses a replayed sequence with nothing committed', async () => {
    const { remote, committer, memo, outcomes } = nodeObject();
    const resets = vi.spyOn(remote, 'reset');
    const round = async (sequence: number): Promise<void> => {
      committer.enqueue(await submission(remote, memo, 0, sequence));
      await committer.idle();
    };
    for (let sequence = 101; sequence <= 103; sequence++) await round(sequence);
    expect(remote.trimmed).toBe(true);
    // Right after its push a round trusts the tips it left for up to 5 s: let that pass, so it sees the moves below.
    const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5_100));

    // Another writer puts the branch back two commits: its trees there were dropped (the remote sends
    // nothing the tips we have reach), so the round's first read fails and the mirror starts over.
    await git(fixture.bare, 'update-ref', 'refs/heads/agents/n1', (await git(fixture.bare, 'rev-parse', 'agents/n1~2')).trim());
    await settle();
    await round(104);
    expect(outcomes.map((o) => o.$case)).toEqual(['committed', 'committed', 'committed', 'committed']);
    expect(resets).toHaveBeenCalledTimes(1);

    // A reviewed merge into main of the branch as it was two rounds ago: admission judges the merge's
    // history and the bundle main now holds for image-0, on whatever the remote sends for it.
    await round(105);
    await round(106);
    const older = (await git(fixture.bare, 'rev-parse', 'agents/n1~2')).trim();
    const main = (await git(fixture.bare, 'rev-parse', 'main')).trim();
    const tree = (await git(fixture.bare, 'rev-parse', `${older}^{tree}`)).trim();
    const merge = (await git(fixture.bare, 'commit-tree', tree, '-p', main, '-p', older, '-m', 'Merge agents/n1')).trim();
    await git(fixture.bare, 'update-ref', 'refs/heads/main', merge, main);
    await settle();
    await round(107);
    expect(outcomes.map((o) => o.$case)).toEqual(outcomes.map(() => 'committed'));
    const resetsBefore = resets.mock.calls.length;

    // A report older than the one the branch holds: the sequence check refuses it, on a trimmed mirror too.
    const before = (await git(fixture.bare, 'rev-parse', 'agents/n1')).trim();
    expect(remote.trimmed).toBe(true);
    await round(102);
    const last = outcomes.at(-1) as BatchOutcome;
    expect(last.$case).toBe('failed');
    expect(last.$case === 'failed' ? last.reason : '').toMatch(/sequence 102 goes back from sequence 107/);
    expect((await git(fixture.bare, 'rev-parse', 'agents/n1')).trim()).toBe(before);
    // Judged twice: on the trimmed mirror, then on one started over (the refusal is the repository's own).
    expect(resets).toHaveBeenCalledTimes(resetsBefore + 1);
  });
});
