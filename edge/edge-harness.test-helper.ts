/**
 * The edge for tests and the benchmark: a state repository (trust root
 * enrolling two nodes) served by a real `git http-backend` on loopback, the
 * Worker bundled by esbuild and run in Miniflare against it, and signed
 * submissions made the way `stella scan --commit` signs a report folder.
 */
import { Log, LogLevel, Miniflare } from 'miniflare';
import { join } from 'node:path';
import { freshnessFields } from '../core/report/claim.js';
import { REPORT_FILE, SBOM_FILE, SCAN_PREDICATE_TYPE, SUMMARY_FILE } from '../core/report/layout.js';
import { serializeReport } from '../core/report/serialize.js';
import { createBundle } from '../core/sign/bundle.js';
import { sha256Hex } from '../core/sign/encoding.js';
import { buildStatement } from '../core/sign/intoto.js';
import { generateKeyPair, signingKeyFromPair, type SigningKey } from '../core/sign/keys.js';
import type { Finding, Report } from '../core/model/report.js';
import { publishBare, startGitHttpServer, type GitHttpServer } from '../test/helpers/git-http-server.js';
import { projectRoot } from '../test/helpers/paths.js';
import { tempRepo, type TempRepo } from '../test/helpers/repo.js';
import { commitTrustChange } from '../test/helpers/trust.js';
import { bundleForWorkerd } from './test-support/miniflare.test-helper.js';

export interface EdgeFixture {
  seed: TempRepo;
  server: GitHttpServer;
  /** The bare repository the edge pushes to. */
  bare: string;
  url: string;
  /** Report keys by node (`n1` from the seed, `n2` enrolled after). */
  keys: Map<string, SigningKey>;
  close(): Promise<void>;
}

/** A state repository enrolling n1 and n2, published on a loopback git http-backend. */
export async function edgeFixture(extraNodes: readonly string[] = []): Promise<EdgeFixture> {
  const seed = await tempRepo('n1');
  const keys = new Map<string, SigningKey>([['n1', seed.key]]);
  for (const node of ['n2', ...extraNodes]) {
    const key = await signingKeyFromPair(await generateKeyPair());
    keys.set(node, key);
    await commitTrustChange(seed.repo, [{ $case: 'enroll', node, publicKey: key.publicKeyPem }], [seed.key]);
  }
  const server = await startGitHttpServer();
  const { url, dir } = await publishBare(server, seed.repo.dir, 'state.git');
  return {
    seed,
    server,
    bare: dir,
    url,
    keys,
    close: async () => {
      await server.close();
      await seed.cleanup();
    },
  };
}

/** The test Worker bundled into one ES module (what Miniflare runs). */
export function bundleTestWorker(): Promise<string> {
  return bundleForWorkerd(join(projectRoot, 'edge', 'test-worker.test-helper.ts'));
}

export interface RunningEdge {
  mf: Miniflare;
  url: string;
  close(): Promise<void>;
}

/** Starts the bundled Worker in Miniflare with the fixture's remote as its state repository. */
export async function startEdge(script: string, remoteUrl: string, vars: Record<string, string> = {}): Promise<RunningEdge> {
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2026-04-26',
    compatibilityFlags: ['nodejs_compat'],
    durableObjects: { NODE: 'NodeObject' },
    kvNamespaces: ['STELLA_KV'],
    r2Buckets: ['BLOBS'],
    // STELLA_EDGE_INSPECT=PORT opens workerd's inspector there (CPU profiles of the Worker over the DevTools protocol).
    ...(process.env['STELLA_EDGE_INSPECT'] ? { inspectorPort: Number(process.env['STELLA_EDGE_INSPECT']) } : {}),
    // STELLA_EDGE_LOG=1 shows the Worker's console and workerd's own messages.
    ...(process.env['STELLA_EDGE_LOG'] === '1' ? { log: new Log(LogLevel.DEBUG) } : {}),
    bindings: { GIT_REMOTE_URL: remoteUrl, EDGE_ORIGIN: 'http://127.0.0.1', TOKEN_SIGNING_KEY: '', ADMIN_SECRET: 'test', ...vars },
  });
  const url = (await mf.ready).toString().replace(/\/$/, '');
  return { mf, url, close: () => mf.dispose() };
}

/** A small report with the given findings. */
export function sampleReport(target: string, findings: Finding[] = []): Report {
  const severities: Record<string, number> = {};
  for (const f of findings) severities[f.severity.level] = (severities[f.severity.level] ?? 0) + 1;
  return {
    schema: 'stella.report/v1',
    tool: { name: 'stella', version: '0.1.0' },
    target: { kind: 'sbom', name: target, digest: `sha256:${'0'.repeat(64)}` },
    inputs: { feed: null },
    summary: { components: findings.length, findings: findings.length, severities },
    coverage: { ecosystems: [], unchecked: [] },
    components: findings.map((f) => ({ purl: f.purl, name: f.name, version: f.installed, type: 'npm' })),
    findings,
    warnings: [],
  };
}

/**
 * The body `POST /v1/reports` takes, signed by `key` as `node`'s report number `sequence` of the target.
 * The SBOM lists the report's components, unless `sbom` gives its text.
 */
export async function signedSubmission(key: SigningKey, node: string, report: Report, sequence = 1, now = new Date(), sbom?: string): Promise<{ bundle: unknown; report: string; sbom: string; summary: string }> {
  const reportText = serializeReport(report);
  const sbomText = sbom ?? `${JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: report.components.map((c) => ({ type: 'library', name: c.name, version: c.version, purl: c.purl })) }, null, 2)}\n`;
  const summaryText = `# Scan of ${report.target.name} on ${node}\n\n${report.findings.length} findings.\n`;
  const encoder = new TextEncoder();
  const statement = buildStatement({
    subjects: [
      { name: REPORT_FILE, sha256: await sha256Hex(encoder.encode(reportText)) },
      { name: SBOM_FILE, sha256: await sha256Hex(encoder.encode(sbomText)) },
      { name: SUMMARY_FILE, sha256: await sha256Hex(encoder.encode(summaryText)) },
    ],
    predicateType: SCAN_PREDICATE_TYPE,
    predicate: {
      ...freshnessFields({ node, sequence, now }),
      target: { name: report.target.name, digest: report.target.digest, kind: report.target.kind },
      feed: null,
      tool: report.tool,
      summary: { components: report.summary.components, findings: report.summary.findings, severities: report.summary.severities },
    },
  });
  return { bundle: await createBundle(statement, key), report: reportText, sbom: sbomText, summary: summaryText };
}
