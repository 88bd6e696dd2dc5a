/** The pure checks of ingest: body limit while streaming, submission shape, report structure, quota windows. */
import { describe, expect, it } from 'vitest';
import { ProblemError } from '../problem.js';
import { parseSubmission, readLimitedBody } from './body.js';
import { NodeQuota } from './quota.js';
import { reportShapeProblems } from './report-shape.js';

function streamed(chunks: number, size: number): Request {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ === chunks) controller.close();
      else controller.enqueue(new Uint8Array(size));
    },
  });
  return new Request('https://edge/v1/reports', { method: 'POST', body, duplex: 'half' } as RequestInit);
}

async function problemOf(promise: Promise<unknown>): Promise<ProblemError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ProblemError);
  return error as ProblemError;
}

describe('ingest checks', () => {
  it('reads a body up to the limit and refuses one that passes it while streaming (no Content-Length)', async () => {
    expect((await readLimitedBody(streamed(4, 1000), 4000)).length).toBe(4000);
    const problem = await problemOf(readLimitedBody(streamed(5, 1000), 4000));
    expect([problem.status, problem.kind]).toEqual([413, 'body-too-large']);
  });

  it('reads a body with a declared length in one piece, and still refuses more than the limit', async () => {
    const declared = (length: number, size: number): Request =>
      new Request('https://edge/v1/reports', { method: 'POST', headers: { 'content-length': String(length) }, body: new Uint8Array(size) });
    expect((await readLimitedBody(declared(4000, 4000), 4000)).length).toBe(4000);
    expect([(await problemOf(readLimitedBody(declared(4001, 4001), 4000))).status]).toEqual([413]);
    // A length that understates the body (only a hand-made Request can) is caught by the bytes read.
    expect([(await problemOf(readLimitedBody(declared(10, 4001), 4000))).status]).toEqual([413]);
  });

  it('takes exactly bundle, report, sbom and an optional summary', () => {
    const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    expect([...parseSubmission(bytes({ bundle: {}, report: 'r', sbom: 's' })).files.keys()]).toEqual(['report.json', 'sbom.cdx.json']);
    for (const bad of [[], { bundle: {}, report: 1, sbom: 's' }, { bundle: 'x', report: 'r', sbom: 's' }, { bundle: {}, report: 'r', sbom: 's', extra: 1 }]) {
      expect(() => parseSubmission(bytes(bad))).toThrow(ProblemError);
    }
    expect(() => parseSubmission(new TextEncoder().encode('{"bundle":'))).toThrow(/not JSON|request body/);
  });

  it('names every structural problem of a report', () => {
    expect(reportShapeProblems(null)).toEqual(['report must be an object']);
    const problems = reportShapeProblems({ schema: 'stella.report/v1', tool: {}, target: { kind: 'image', name: 'a' }, inputs: {}, summary: { components: 0, findings: 0, severities: {} }, coverage: {}, components: [], findings: [{ id: 'X' }], warnings: [] });
    expect(problems).toContain('report.target.digest must be a string (missing)');
    expect(problems).toContain('report.findings[0].purl must be a string (missing)');
  });

  it('counts reports per minute and bytes per day, and says when to retry', () => {
    const quota = new NodeQuota({ reportsPerMinute: 2, bytesPerDay: 1000 });
    const start = Date.parse('2026-01-01T00:00:10Z');
    quota.take(100, start);
    quota.take(100, start + 1000);
    let problem: ProblemError | undefined;
    try {
      quota.take(100, start + 2000);
    } catch (error) {
      problem = error as ProblemError;
    }
    expect(problem?.status).toBe(429);
    expect(problem?.headers['Retry-After']).toBe('48');
    quota.take(100, start + 60_000);
    expect(() => quota.take(800, start + 61_000)).toThrow(/bytes of reports in one day/);
  });
});
