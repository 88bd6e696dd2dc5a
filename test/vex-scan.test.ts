/**
 * VEX on a real image, end to end with the compiled `stella`: documents
 * imported into vex/ (signed by the policies role) and given with --vex
 * change the status of findings of the debian-node image scanned against
 * the real npm advisories; the signed report, summary.md and the VEX
 * outputs carry it; `stella verify` passes, and fails on a tampered VEX
 * file, which the scan then refuses to apply. Bad documents are refused
 * with one line naming the file, and nothing is committed.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding, Report } from '../core/model/report.js';
import { serializeReport } from '../core/report/serialize.js';
import { defaultVexFormats } from '../core/vex/registry.js';
import { openStateRepo } from '../agent/repo/state-repo.js';
import { scanTarget } from '../agent/scan/scan.js';
import { runStella, type CliRun } from './helpers/cli.js';
import { imagesDir, projectRoot, sharedData } from './helpers/paths.js';
import { git } from './helpers/repo.js';

const IMAGE = join(imagesDir, 'debian-node.oci.tar');
const FOLDER = 'findings/vex-node/corpus-debian-node-latest';

let root: string;
let env: NodeJS.ProcessEnv;
let baseline: Report;
/** A finding reached through a CVE alias, and one by its own id. */
let byAlias: Finding;
let byId: Finding;

const stella = (...args: string[]): Promise<CliRun> => runStella(args, { env, cwd: root });
const repoDir = (): string => join(root, 'state');
const write = async (name: string, value: unknown): Promise<string> => {
  const path = join(root, name);
  await writeFile(path, typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
  return path;
};
const npmName = (finding: Finding): string => finding.purl.replace(/@[^@/]*$/, '');

const openvex = (statements: unknown[], timestamp = '2024-05-01T10:00:00Z'): unknown => ({
  '@context': 'https://openvex.dev/ns/v0.2.0',
  '@id': 'https://example.com/vex/app',
  author: 'App team',
  timestamp,
  version: 1,
  statements,
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-vex-'));
  env = { PATH: process.env['PATH'], HOME: root, STELLA_HOME: join(root, 'home'), STELLA_NODE: 'vex-node', STELLA_REPO: repoDir() };
  expect((await stella('init', repoDir())).code).toBe(0);
  const imported = await stella('feed', 'import', join(sharedData, 'osv', 'npm', 'all.zip'));
  expect(imported.code, imported.stderr).toBe(0);
  baseline = (await scanTarget(IMAGE, { repo: await openStateRepo(repoDir()) })).report;
  const withCve = baseline.findings.filter((f) => f.id.startsWith('GHSA-') && f.aliases.some((a) => a.startsWith('CVE-')));
  expect(withCve.length).toBeGreaterThanOrEqual(2);
  [byAlias, byId] = withCve as [Finding, Finding];
  expect(baseline.findings.every((f) => f.status === undefined)).toBe(true);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('VEX on a real image scan', () => {
  it('refuses bad documents with one line naming the file and the problem, exits non-zero, and commits nothing', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['unknown-status.json', openvex([{ vulnerability: { name: 'CVE-2024-1' }, products: [{ '@id': 'pkg:npm/qs' }], status: 'probably_fine' }]), /unknown-status\.json: statement 0 \(CVE-2024-1\): unknown status "probably_fine"/],
      ['no-time.json', { ...(openvex([{ vulnerability: { name: 'CVE-2024-1' }, products: [{ '@id': 'pkg:npm/qs' }], status: 'fixed' }]) as object), timestamp: undefined }, /no-time\.json: statement 0 \(CVE-2024-1\): no timestamp/],
      ['malformed.json', '{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [', /malformed\.json: malformed JSON/],
      ['unknown-format.json', { spdxVersion: 'SPDX-2.3' }, /unknown-format\.json: unknown format/],
    ];
    const before = await git(repoDir(), 'for-each-ref');
    for (const [name, document, reason] of cases) {
      const path = await write(name, document);
      const imported = await stella('vex', 'import', path);
      expect(imported.code, name).toBe(2);
      expect(imported.stderr, name).toMatch(reason);
      expect(imported.stderr.trim().split('\n'), name).toHaveLength(1);
      const scanned = await stella('scan', '--vex', path, '--commit', IMAGE);
      expect(scanned.code, name).toBe(2);
      expect(scanned.stderr, name).toMatch(reason);
    }
    expect(await git(repoDir(), 'for-each-ref')).toBe(before);
  });

  it('stella vex import, then scan --commit: statuses set by VEX are in the output, the signed report and summary.md, and verify passes', async () => {
    const cve = byAlias.aliases.find((a) => a.startsWith('CVE-')) as string;
    const app = await write('app.openvex.json', openvex([
      // About the CVE, for the package without a version: reaches the GHSA finding that aliases it.
      { vulnerability: { name: cve }, products: [{ '@id': npmName(byAlias) }], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path', impact_statement: 'The parser is never given user input.' },
      { vulnerability: { name: 'CVE-1999-0001' }, products: [{ '@id': 'pkg:npm/not-in-this-image' }], status: 'fixed' },
    ]));
    const imported = await stella('vex', 'import', app);
    expect(imported.code, imported.stderr).toBe(0);
    expect(await git(repoDir(), 'ls-tree', '--name-only', 'main', 'vex/')).toMatch(/vex\/app\.openvex\.json\nvex\/app\.openvex\.json\.jws/);
    expect((await stella('vex', 'import', app)).stderr).toContain('nothing changed, no commit');

    // A newer CycloneDX statement given with --vex decides the second finding, and overrides nothing else.
    const extra = await write('extra.vex.cdx.json', {
      bomFormat: 'CycloneDX', specVersion: '1.6', version: 1,
      vulnerabilities: [{ id: byId.id, analysis: { state: 'in_triage', lastUpdated: '2025-01-01T00:00:00Z' }, affects: [{ ref: byId.purl }] }],
    });
    const scanned = await stella('scan', '--format', 'json', '--vex', extra, '--commit', IMAGE);
    expect(scanned.code, scanned.stderr).toBe(0);
    expect(scanned.stderr).toMatch(/VEX: 2 documents, 3 statements; 2 findings decided; 1 statement matched no finding/);
    expect(scanned.stderr).toContain('vex/app.openvex.json#1 (CVE-1999-0001, fixed)');
    const shown = JSON.parse(scanned.stdout) as Report;
    const find = (report: Report, f: Finding): Finding | undefined => report.findings.find((x) => x.id === f.id && x.purl === f.purl);
    expect(find(shown, byAlias)).toMatchObject({ status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path', impactStatement: 'The parser is never given user input.', statusSource: 'vex/app.openvex.json#0' });
    expect(find(shown, byId)).toMatchObject({ status: 'under_investigation', statusSource: `${extra}#0` });
    expect(shown.findings.filter((f) => f.status !== undefined)).toHaveLength(2);

    const signed = JSON.parse(await git(repoDir(), 'show', `agents/vex-node:${FOLDER}/report.json`)) as Report;
    expect(find(signed, byAlias)?.status).toBe('not_affected');
    expect(find(signed, byId)?.status).toBe('under_investigation');
    expect(await git(repoDir(), 'show', `agents/vex-node:${FOLDER}/summary.md`)).toContain('| not_affected: vulnerable_code_not_in_execute_path |');
    const verified = await stella('verify');
    expect(verified.code, verified.stderr).toBe(0);
  });

  it('the VEX outputs carry the status, justification and impact statement', async () => {
    const open = await stella('scan', '--format', 'openvex', IMAGE);
    expect(open.code, open.stderr).toBe(0);
    const statements = (JSON.parse(open.stdout) as { statements: { vulnerability: { name: string }; products: { '@id': string }[]; status: string; justification?: string; impact_statement?: string }[] }).statements;
    expect(statements.find((s) => s.vulnerability.name === byAlias.id && s.products[0]?.['@id'] === byAlias.purl)).toMatchObject({ status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path', impact_statement: 'The parser is never given user input.' });
    const cdx = await stella('scan', '--format', 'cyclonedx-vex', IMAGE);
    expect(cdx.code, cdx.stderr).toBe(0);
    const vulnerabilities = (JSON.parse(cdx.stdout) as { vulnerabilities: { id: string; analysis: { state: string; justification?: string; detail?: string } }[] }).vulnerabilities;
    expect(vulnerabilities.find((v) => v.id === byAlias.id && v.analysis.state === 'not_affected')?.analysis).toMatchObject({ justification: 'code_not_reachable', detail: expect.stringContaining('The parser is never given user input.') as unknown });
  });

  it('in process: a statement about the image digest decides every finding of its vulnerability, and the report stays valid under its schema', async () => {
    const repo = await openStateRepo(repoDir());
    const document = defaultVexFormats.read({
      name: 'image.openvex.json',
      bytes: new TextEncoder().encode(JSON.stringify(openvex([{ vulnerability: { name: byId.id }, products: [{ '@id': `pkg:oci/debian-node@${baseline.target.digest.replace(':', '%3A')}` }], status: 'fixed', timestamp: '2030-01-01T00:00:00Z' }]))),
    });
    const outcome = await scanTarget(IMAGE, { repo, vex: [document] });
    const decided = outcome.report.findings.filter((f) => f.statusSource === 'image.openvex.json#0');
    expect(decided.length).toBeGreaterThanOrEqual(1);
    expect(decided.map((f) => f.id)).toEqual(baseline.findings.filter((f) => f.id === byId.id).map((f) => f.id));
    expect(decided.every((f) => f.status === 'fixed')).toBe(true);
    // The repository's vex/ still applies beside it; nothing else changed.
    expect(outcome.report.findings.find((f) => f.id === byAlias.id && f.purl === byAlias.purl)?.status).toBe('not_affected');
    expect(outcome.report.findings.map((f) => `${f.purl} ${f.id}`)).toEqual(baseline.findings.map((f) => `${f.purl} ${f.id}`));
    expect(outcome.vex).toMatchObject({ documents: ['vex/app.openvex.json', 'image.openvex.json'], decided: 1 + decided.length });
    const schema = JSON.parse(await readFile(join(projectRoot, 'schemas', 'report.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020.default({ allErrors: true, strict: false }).compile(schema);
    expect(validate(JSON.parse(serializeReport(outcome.report))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('a tampered VEX file fails stella verify, and the scan refuses to apply it', async () => {
    const path = join(repoDir(), 'vex', 'app.openvex.json');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('not_affected', 'fixed'));
    await git(repoDir(), '-c', 'user.name=x', '-c', 'user.email=x@example.invalid', 'commit', '-qam', 'tamper with VEX');
    const verified = await stella('verify');
    expect(verified.code).toBe(1);
    expect(verified.stderr).toContain('vex/app.openvex.json');
    const before = await git(repoDir(), 'rev-parse', 'agents/vex-node');
    const scanned = await stella('scan', '--commit', IMAGE);
    expect(scanned.code).toBe(2);
    expect(scanned.stderr).toMatch(/vex\/app\.openvex\.json: .*not applied/);
    expect(await git(repoDir(), 'rev-parse', 'agents/vex-node')).toBe(before);
  });
});
