/**
 * The body of `POST /v1/reports`, read and shaped before anything else
 * looks at it: at most `limit` bytes (413 past that, counted as the bytes
 * arrive, whatever Content-Length claims), JSON, and the four members a
 * report folder is made of — the Sigstore bundle and the exact text of the
 * files its statement names.
 *
 *   { "bundle": { …Sigstore bundle… }, "report": "<report.json>", "sbom": "<sbom.cdx.json>", "summary": "<summary.md>" }
 *
 * `summary` may be left out when the statement does not name one.
 *
 * @example
 *   const bytes = await readLimitedBody(c.req.raw, MAX_BODY_BYTES);
 *   const submission = parseSubmission(bytes);
 */
import { parseUntrustedJson } from '../../core/json/untrusted.js';
import { REPORT_FILE, SBOM_FILE, SUMMARY_FILE } from '../../core/report/layout.js';
import { canonicalJson, type JsonValue } from '../../core/sign/canonical-json.js';
import { ProblemError } from '../problem.js';

/** Largest report body the edge takes: 8 MiB (a large image's SBOM fits several times over). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** What an agent submits: the bundle and the files it signs (name in the folder → bytes). */
export interface Submission {
  bundle: unknown;
  /** The bundle's own text, as it is stored (`report.sigstore.json`). */
  bundleText: string;
  files: Map<string, Uint8Array>;
}

/**
 * The request body, refused with 413 once it passes `limit` bytes (kept no further).
 * @example const bytes = await readLimitedBody(request, 1 << 20);
 */
export async function readLimitedBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  // Far too large: not worth reading at all, whatever the client then sees.
  if (declared > limit * DRAIN_FACTOR) throw tooLarge(declared, limit);
  if (request.body === null) return new Uint8Array(0);
  // A declared length within the limit: the runtime holds the body to it, so it is read in one piece (the
  // chunk by chunk loop below costs a promise per chunk); the length is checked again all the same.
  if (request.headers.has('content-length') && declared <= limit) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.length > limit) throw tooLarge(bytes.length, limit);
    return bytes;
  }
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    if (declared > limit || size > limit) {
      await drain(reader, limit * DRAIN_FACTOR - size);
      throw tooLarge(Math.max(declared, size), limit);
    }
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size <= limit) parts.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

/** A body up to this many times the limit is read to its end before the 413, so the client sees the answer instead of a reset. */
const DRAIN_FACTOR = 4;

/** Reads and drops up to `budget` more bytes; past that, the connection is cut. */
async function drain(reader: { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void> }, budget: number): Promise<void> {
  let left = budget;
  while (left > 0) {
    const { done, value } = await reader.read();
    if (done) return;
    left -= value?.length ?? 0;
  }
  await reader.cancel();
}

/**
 * The submission in `bytes`; 400 with what is wrong when it is not JSON or lacks a member.
 * @example parseSubmission(new TextEncoder().encode(JSON.stringify({ bundle, report, sbom })))
 */
export function parseSubmission(bytes: Uint8Array): Submission {
  let value: unknown;
  try {
    value = parseUntrustedJson('request body', new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch (error) {
    throw new ProblemError(400, 'malformed-json', 'Body is not JSON', `the request body must be a JSON object: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('the body is not a JSON object');
  const body = value as Record<string, unknown>;
  const { bundle, report, sbom, summary } = body;
  if (typeof bundle !== 'object' || bundle === null || Array.isArray(bundle)) throw malformed('"bundle" must be the Sigstore bundle (a JSON object)');
  if (typeof report !== 'string') throw malformed('"report" must be the exact text of report.json');
  if (typeof sbom !== 'string') throw malformed('"sbom" must be the exact text of sbom.cdx.json');
  if (summary !== undefined && typeof summary !== 'string') throw malformed('"summary", when given, must be the exact text of summary.md');
  const unknown = Object.keys(body).filter((k) => !['bundle', 'report', 'sbom', 'summary'].includes(k));
  if (unknown.length > 0) throw malformed(`unknown member(s) ${unknown.join(', ')}; expected bundle, report, sbom and optionally summary`);
  const encoder = new TextEncoder();
  const files = new Map<string, Uint8Array>([
    [REPORT_FILE, encoder.encode(report)],
    [SBOM_FILE, encoder.encode(sbom)],
  ]);
  if (summary !== undefined) files.set(SUMMARY_FILE, encoder.encode(summary));
  // Stored as the agent stores it (canonical JSON), so a folder reads the same whoever committed it.
  return { bundle, bundleText: `${canonicalJson(bundle as JsonValue)}\n`, files };
}

function malformed(detail: string): ProblemError {
  return new ProblemError(400, 'malformed-submission', 'Malformed report submission', detail);
}

function tooLarge(size: number, limit: number): ProblemError {
  return new ProblemError(413, 'body-too-large', 'Report body too large', `the body has at least ${size} bytes; the limit is ${limit} bytes — trim the SBOM or split the target`);
}
