/**
 * One Durable Object per node (`NODE` binding, class `NodeObject` in
 * wrangler.toml): every report of that node passes through it, so it is
 * where that node's reports are serialised, deduplicated by digest,
 * counted against the node's quota, verified against main's trust root,
 * and coalesced into commits (`ingest/committer.ts`). It keeps a mirror of
 * main and the node's branch in memory and fetches only what changed.
 *
 * It also holds the authority's strongly consistent one-time claims
 * (`auth/claim-once.ts`: enrollment tokens, assertion and DPoP jti values),
 * which KV, being eventually consistent, cannot give.
 *
 * The Worker talks to it over `fetch` with internal paths:
 *   POST /ingest          body: the submission (or `x-stella-blob`: its R2 key); `x-stella-node`
 *   GET  /reports/<sha256> the record of one report
 *   POST /auth/claim-once  a one-time claim (handled by `handleClaimOnce`)
 *
 * @example
 *   const stub = env.NODE.get(env.NODE.idFromName(node));
 *   const answer = await stub.fetch('https://node/ingest', { method: 'POST', headers: { 'x-stella-node': node }, body });
 */
import type { DurableObjectState } from '@cloudflare/workers-types/index.ts';
import { describeError, isStellaError } from '../core/errors.js';
import { REPORT_FILE } from '../core/report/layout.js';
import { sha256Hex } from '../core/sign/encoding.js';
import { SignatureMemo } from '../core/sign/signature-memo.js';
import type { TrustRoot } from '../core/trust/root.js';
import { currentTrustRoot } from '../core/verify/trust-state.js';
import { handleClaimOnce } from './auth/claim-once.js';
import type { Bindings } from './env.js';
import { stateEndpoint } from './git/endpoint.js';
import { StateRemote } from './git/state-remote.js';
import { parseSubmission } from './ingest/body.js';
import { Committer, type BatchOutcome } from './ingest/committer.js';
import { NodeQuota, quotaFrom } from './ingest/quota.js';
import { acceptedRecord, ReportRecords, type ReportRecord } from './ingest/records.js';
import { verifySubmission } from './ingest/verify.js';
import { ProblemError, type ProblemDocument } from './problem.js';

/** A key may have been enrolled since the last sync: look again at most this often (ms). */
const RESYNC_FOR_KEY_MS = 2_000;

export class NodeObject {
  private readonly records: ReportRecords;
  private readonly quota: NodeQuota;
  private remote: StateRemote | undefined;
  private committer: Committer | undefined;
  private root: { tip: string; root: TrustRoot; at: number } | undefined;
  /** Digests being checked right now: a concurrent replay waits for the first to finish. */
  private readonly inFlight = new Map<string, Promise<Answer>>();
  /** Signatures the accepts verified, which admission then checks again from memory (same bytes, same key). */
  private readonly signatures = new SignatureMemo();

  constructor(
    private readonly state: DurableObjectState,
    private readonly env: Bindings,
  ) {
    this.records = new ReportRecords(state.storage);
    this.quota = new NodeQuota(quotaFrom(env));
  }

  /** Internal API (see the module comment). */
  async fetch(request: Request): Promise<Response> {
    const claimed = await handleClaimOnce(this.state.storage, request);
    if (claimed !== undefined) return claimed;
    const url = new URL(request.url);
    try {
      if (request.method === 'POST' && url.pathname === '/ingest') return await this.ingest(request);
      const match = /^\/reports\/([0-9a-f]{64})$/.exec(url.pathname);
      if (request.method === 'GET' && match !== null) {
        const record = await this.records.get(match[1] as string);
        if (record === undefined) throw new ProblemError(404, 'report-unknown', 'No such report', `this edge has accepted no report with SHA-256 ${match[1]} from this node`);
        return Response.json(record);
      }
      if (request.method === 'GET' && url.pathname === '/stats') return Response.json({ commits: this.committer?.commits ?? 0 });
      if (request.method === 'POST' && url.pathname === '/idle') {
        await this.committer?.idle();
        return Response.json({ idle: true });
      }
      throw new ProblemError(404, 'not-found', 'Not found', `${request.method} ${url.pathname} is not an operation of the node object`);
    } catch (error) {
      return problemAnswer(error);
    }
  }

  private async ingest(request: Request): Promise<Response> {
    const node = request.headers.get('x-stella-node') ?? '';
    const bytes = await this.bodyOf(request);
    const submission = parseSubmission(bytes);
    const digest = await sha256Hex(submission.files.get(REPORT_FILE) as Uint8Array);
    const pending = this.inFlight.get(digest);
    if (pending !== undefined) return respond(await pending);
    const work = this.accept(node, digest, bytes.length, submission);
    this.inFlight.set(digest, work);
    try {
      return respond(await work);
    } finally {
      this.inFlight.delete(digest);
    }
  }

  private async accept(node: string, digest: string, size: number, submission: ReturnType<typeof parseSubmission>): Promise<Answer> {
    const known = await this.records.get(digest);
    // A replay changes nothing: the original answer, no second commit, no quota spent. Only a report
    // that failed to commit, or was accepted by an instance since evicted (its queue lived in memory),
    // is taken again.
    const stillPending = known?.status === 'accepted' && this.committer?.has(digest) === true;
    if (known !== undefined && (known.status === 'committed' || stillPending)) return { status: 200, record: { ...known, replayed: true } };
    const now = Date.now();
    this.quota.take(size, now);
    let root = await this.trustRoot(false);
    let report;
    try {
      report = await verifySubmission(root, node, submission, this.signatures, digest);
    } catch (error) {
      if (!(error instanceof ProblemError && error.kind === 'key-not-enrolled') || now - (this.root?.at ?? 0) < RESYNC_FOR_KEY_MS) throw error;
      root = await this.trustRoot(true);
      report = await verifySubmission(root, node, submission, this.signatures, digest);
    }
    const record = acceptedRecord(report, now);
    await this.records.put(record);
    this.committerFor(node).enqueue(report);
    return { status: 202, record };
  }

  private async bodyOf(request: Request): Promise<Uint8Array> {
    const blob = request.headers.get('x-stella-blob');
    if (blob === null) return new Uint8Array(await request.arrayBuffer());
    const object = await this.env.BLOBS.get(blob);
    if (object === null) throw new ProblemError(500, 'blob-missing', 'Stored body missing', `the body stored as ${blob} is gone`);
    return new Uint8Array(await object.arrayBuffer());
  }

  /** Main's verified trust root, from the mirror (synced when asked or never synced). */
  private async trustRoot(refresh: boolean): Promise<TrustRoot> {
    const remote = this.remoteRepo();
    if (this.root === undefined || refresh) {
      const tips = await remote.sync(['main']);
      const tip = tips.get('main');
      if (tip === undefined) throw new ProblemError(503, 'state-repo-empty', 'State repository has no main', 'the state repository has no main branch yet, so no key is enrolled');
      if (this.root?.tip !== tip) this.root = { tip, root: await currentTrustRoot(remote.store, tip), at: Date.now() };
      else this.root.at = Date.now();
    }
    return this.root.root;
  }

  private remoteRepo(): StateRemote {
    this.remote ??= new StateRemote(stateEndpoint(this.env));
    return this.remote;
  }

  private committerFor(node: string): Committer {
    this.committer ??= new Committer(this.remoteRepo(), node, (outcome) => this.settle(outcome), this.signatures);
    return this.committer;
  }

  private async settle(outcome: BatchOutcome): Promise<void> {
    switch (outcome.$case) {
      case 'committed':
        await this.records.settle(outcome.digests, { status: 'committed', commit: outcome.commit });
        return;
      case 'failed':
        console.error(`edge ingest: ${outcome.digests.length} report(s) not committed: ${outcome.reason}`);
        await this.records.settle(outcome.digests, { status: 'failed', reason: outcome.reason });
        return;
      default:
        throw new Error(`unknown batch outcome ${JSON.stringify(outcome satisfies never)}`);
    }
  }
}

/** What an accept answers: every request for the same digest gets its own Response of it (a Response body is read once). */
interface Answer {
  status: 200 | 202;
  record: ReportRecord & { replayed?: true };
}

function respond(answer: Answer): Response {
  // The digest in a header too: the Worker names the Location without parsing the body again.
  const headers = answer.status === 202 ? { 'x-stella-digest': answer.record.digest } : undefined;
  return Response.json(answer.record, { status: answer.status, ...(headers === undefined ? {} : { headers }) });
}

/** A thrown problem (or any other error, as a 500/502) as a problem+json response. */
export function problemAnswer(error: unknown): Response {
  const problem =
    error instanceof ProblemError
      ? error
      : isStellaError(error) && error.code === 'VERIFY_FAILED'
        ? new ProblemError(502, 'state-repo-invalid', 'State repository does not verify', describeError(error))
        : new ProblemError(500, 'internal', 'Internal error', describeError(error));
  if (!(error instanceof ProblemError)) console.error(`edge: ${describeError(error)}`);
  const document: ProblemDocument = problem.document();
  return new Response(JSON.stringify(document), { status: problem.status, headers: { 'content-type': 'application/problem+json', ...problem.headers } });
}
