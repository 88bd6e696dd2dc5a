/**
 * The output formats and finding filters through the compiled `stella`, on
 * a real image (debian-node, with the real npm OSV feed) and a small npm
 * project: every document valid against its official schema, the same scan
 * giving the same bytes, and `--ignore-unfixed`, `--ignore-file` and
 * `--quiet` as a user meets them.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../core/model/report.js';
import { cliEnv, runStella, type CliRun } from './helpers/cli.js';
import { validateCycloneDx } from './helpers/cyclonedx-validate.js';
import { assertValid, schemaErrors } from './helpers/format-validate.js';
import { imagesDir, sharedData } from './helpers/paths.js';

let root: string;
let env: NodeJS.ProcessEnv;
const image = (): string => join(imagesDir, 'debian-node.oci.tar');
const project = (): string => join(root, 'project');
const stella = (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<CliRun> => runStella(args, { env: { ...env, ...extra }, cwd: root });

/** A scan that must succeed: its stdout. */
async function scan(...args: string[]): Promise<string> {
  const run = await stella(['scan', ...args], { SOURCE_DATE_EPOCH: '1700000000' });
  expect(run.code, run.stderr).toBe(0);
  return run.stdout;
}

let report: Report;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-export-'));
  env = cliEnv(root, { STELLA_NODE: 'export-node', STELLA_REPO: join(root, 'state') });
  expect((await stella(['init', join(root, 'state')])).code).toBe(0);
  const imported = await stella(['feed', 'import', join(sharedData, 'osv', 'npm', 'all.zip')]);
  expect(imported.code, imported.stderr).toBe(0);
  report = JSON.parse(await scan(image(), '--format', 'json')) as Report;
  expect(report.findings.length).toBeGreaterThanOrEqual(7);
  // lodash 4.17.15 has fixed advisories; babel-traverse has one with no fix at all (GHSA-67hx-6x53-jw92, alias CVE-2023-45133).
  await mkdir(project());
  const lock = {
    name: 'app',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'app' }, 'node_modules/lodash': { version: '4.17.15' }, 'node_modules/babel-traverse': { version: '6.26.0' } },
  };
  await writeFile(join(project(), 'package-lock.json'), JSON.stringify(lock));
}, 180_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('stella scan --format on a real image', () => {
  it('sarif: valid SARIF 2.1.0, a result per finding at the lockfile inside the image with its layer, same bytes twice', async () => {
    const text = await scan(image(), '--format', 'sarif');
    assertValid('sarif', text);
    expect(await scan(image(), '--format', 'sarif')).toBe(text);
    const run = (JSON.parse(text) as { runs: { tool: { driver: { rules: { id: string; properties: Record<string, unknown> }[] } }; results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string } }; properties?: { layerIndex?: number } }[] }[] }[] }).runs[0];
    expect(run?.results).toHaveLength(report.findings.length);
    expect(run?.tool.driver.rules.map((r) => r.id).sort()).toEqual([...new Set(report.findings.map((f) => f.id))].sort());
    for (const rule of run?.tool.driver.rules ?? []) expect(rule.properties['security-severity']).toMatch(/^\d+\.\d$/);
    const lodash = run?.results.find((r) => r.ruleId === 'GHSA-29mw-wpgm-hmr9');
    expect(lodash?.level).toBe('warning');
    // The npm app is the image's second layer (index 1); its lockfile is what a person edits.
    expect(lodash?.locations[0]).toMatchObject({ physicalLocation: { artifactLocation: { uri: 'app/package-lock.json' } }, properties: { layerIndex: 1 } });
  });

  it('spdx: valid SPDX 2.3 with every component as a purl, created from SOURCE_DATE_EPOCH, same bytes twice', async () => {
    const text = await scan(image(), '--format', 'spdx');
    assertValid('spdx', text);
    expect(await scan(image(), '--format', 'spdx')).toBe(text);
    const doc = JSON.parse(text) as { creationInfo: { created: string }; documentNamespace: string; packages: { externalRefs?: { referenceLocator: string }[] }[] };
    expect(doc.creationInfo.created).toBe('2023-11-14T22:13:20Z');
    expect(doc.documentNamespace).toContain(report.target.digest.slice('sha256:'.length));
    const purls = new Set(doc.packages.flatMap((p) => (p.externalRefs ?? []).map((r) => r.referenceLocator)));
    expect(purls).toEqual(new Set(report.components.map((c) => c.purl)));
  });

  it('openvex: valid OpenVEX 0.2.0, one affected statement per finding with an action', async () => {
    const text = await scan(image(), '--format', 'openvex');
    expect(schemaErrors('openvex', JSON.parse(text))).toEqual([]);
    expect(await scan(image(), '--format', 'openvex')).toBe(text);
    const doc = JSON.parse(text) as { timestamp: string; statements: { vulnerability: { name: string }; products: { '@id': string }[]; status: string; action_statement?: string }[] };
    expect(doc.timestamp).toBe('2023-11-14T22:13:20Z');
    expect(doc.statements.map((s) => `${s.vulnerability.name} ${s.products[0]?.['@id'] ?? ''}`).sort()).toEqual(report.findings.map((f) => `${f.id} ${f.purl}`).sort());
    for (const statement of doc.statements) expect(statement).toMatchObject({ status: 'affected', action_statement: expect.stringMatching(/^Upgrade /) as unknown });
  });

  it('cyclonedx and cyclonedx-vex: valid CycloneDX 1.6; the VEX points by BOM-Link at components of the SBOM', async () => {
    const sbomText = await scan(image(), '--format', 'cyclonedx');
    await validateCycloneDx(sbomText, 'cyclonedx');
    const sbom = JSON.parse(sbomText) as { components: { 'bom-ref': string }[]; vulnerabilities: { id: string; affects: { ref: string }[] }[] };
    expect(new Set(sbom.vulnerabilities.map((v) => v.id))).toEqual(new Set(report.findings.map((f) => f.id)));
    const vexText = await scan(image(), '--format', 'cyclonedx-vex');
    await validateCycloneDx(vexText, 'cyclonedx-vex');
    const vex = JSON.parse(vexText) as { components?: unknown[]; metadata: { timestamp: string }; vulnerabilities: { analysis: { state: string }; affects: { ref: string }[] }[] };
    expect(vex.components ?? []).toEqual([]);
    expect(vex.metadata.timestamp).toMatch(/^2023-11-14T22:13:20/);
    const refs = new Set(sbom.components.map((c) => c['bom-ref']));
    for (const v of vex.vulnerabilities) {
      expect(v.analysis.state).toBe('exploitable');
      for (const affect of v.affects) expect(refs.has(decodeURIComponent(affect.ref.replace(/^urn:cdx:[0-9a-f-]+\/1#/, '')))).toBe(true);
    }
  });

  it('markdown: the summary and a row per finding', async () => {
    const text = await scan(image(), '--format', 'markdown');
    expect(text).toContain(`# Stella scan: ${report.target.name}`);
    expect(text).toContain(`${report.components.length} components, ${report.findings.length} findings`);
    for (const finding of report.findings) expect(text).toMatch(new RegExp(`^\\| ${finding.severity.level} \\| ${finding.name} \\|.*${finding.id}`, 'm'));
  });
});

describe('stella scan finding filters', () => {
  const ids = (text: string): string[] => (JSON.parse(text) as Report).findings.map((f) => f.id).sort();

  it('--ignore-unfixed leaves out findings without a fixed version, and says so', async () => {
    const all = ids(await scan(project(), '--format', 'json'));
    expect(all).toContain('GHSA-67hx-6x53-jw92');
    const run = await stella(['scan', project(), '--format', 'json', '--ignore-unfixed']);
    expect(run.code, run.stderr).toBe(0);
    expect(ids(run.stdout)).toEqual(all.filter((id) => id !== 'GHSA-67hx-6x53-jw92'));
    expect(run.stderr).toContain('no fixed version yet');
  });

  it('--ignore-file hides listed ids and their aliases until they expire, reports expired entries, and gates only on the rest', async () => {
    const file = join(root, '.stellaignore');
    await writeFile(file, ['# waivers', 'CVE-2023-45133            # babel-traverse, by its CVE alias', 'GHSA-35jh-r3h4-6jhm exp:2999-12-31', 'GHSA-29mw-wpgm-hmr9 exp:2000-01-01', ''].join('\n'));
    const all = ids(await scan(project(), '--format', 'json'));
    const run = await stella(['scan', project(), '--format', 'json', '--ignore-file', file, '--exit-code', '3']);
    expect(run.code).toBe(3);
    expect(ids(run.stdout)).toEqual(all.filter((id) => id !== 'GHSA-67hx-6x53-jw92' && id !== 'GHSA-35jh-r3h4-6jhm'));
    expect(ids(run.stdout)).toContain('GHSA-29mw-wpgm-hmr9');
    expect(run.stderr).toMatch(/\.stellaignore:4: GHSA-29mw-wpgm-hmr9 expired on 2000-01-01/);
    expect(run.stderr).toContain('2 of');
  });

  it('--ignore-file refuses a malformed line, naming the file and line', async () => {
    const file = join(root, 'bad.ignore');
    await writeFile(file, 'CVE-2023-45133\nGHSA-35jh-r3h4-6jhm exp:31/12/2999\n');
    const run = await stella(['scan', project(), '--ignore-file', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.ignore:2: 'exp:31\/12\/2999' is not an expiry/);
  });

  it('--quiet prints no messages, only the output, but still prints errors', async () => {
    const file = join(root, 'expired.ignore');
    await writeFile(file, 'GHSA-29mw-wpgm-hmr9 exp:2000-01-01\n');
    const loud = await stella(['scan', project(), '--format', 'json', '--ignore-file', file, '--ignore-unfixed']);
    expect(loud.stderr).not.toBe('');
    const quiet = await stella(['scan', project(), '--format', 'json', '--ignore-file', file, '--ignore-unfixed', '--quiet']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toBe(loud.stdout);
    const failing = await stella(['scan', project(), '--quiet', '--ignore-file', join(root, 'missing.ignore')]);
    expect(failing.code).toBe(2);
    expect(failing.stderr).toMatch(/missing\.ignore: cannot read it \(ENOENT\)/);
  });
});
