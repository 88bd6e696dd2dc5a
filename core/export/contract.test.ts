/**
 * The contract every registered exporter must meet, whatever its format:
 * it renders an empty report and a full one, the same report gives the
 * same bytes, the report is left untouched, and the output is valid under
 * the format's schema where one exists.
 *
 * A new exporter must add an entry to `checks` below; the suite fails
 * until it does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../test/helpers/paths.js';
import { REPORT_SCHEMA, type Report } from '../model/report.js';
import { parseReport } from '../report/serialize.js';
import { validateCycloneDx } from '../../test/helpers/cyclonedx-validate.js';
import { assertValid, schemaErrors } from '../../test/helpers/format-validate.js';
import { exportBytes, type Exporter } from './exporter.js';
import { builtinExporters, createExporterRegistry, defaultExporters } from './registry.js';

/** How to check one format's output: throw (or fail an expect) when it is not valid. */
type Check = (text: string, report: Report) => void | Promise<void>;

const reportSchema = JSON.parse(readFileSync(join(projectRoot, 'schemas', 'report.schema.json'), 'utf8')) as object;
const validateReport = new Ajv2020.default({ allErrors: true, strict: false }).compile(reportSchema);

const checks: Record<string, Check> = {
  table: (text, report) => {
    // For people: no schema, but it names the target and counts what it shows.
    expect(text.split('\n', 1)[0]).toContain(report.target.name);
    expect(text).toContain(`${report.summary.components} components, ${report.summary.findings} findings`);
    for (const finding of report.findings) expect(text).toContain(finding.id);
  },
  json: (text, report) => {
    const parsed = JSON.parse(text) as unknown;
    expect(validateReport(parsed), JSON.stringify(validateReport.errors)).toBe(true);
    // The same report, lists in canonical order.
    const back = parseReport(text, 'json export');
    const plain = JSON.parse(JSON.stringify(report)) as Report;
    expect({ ...back, components: [], findings: [], warnings: [] }).toEqual({ ...plain, components: [], findings: [], warnings: [] });
    for (const key of ['components', 'findings', 'warnings'] as const) {
      expect(back[key]).toHaveLength(plain[key].length);
      expect(back[key]).toEqual(expect.arrayContaining<unknown>(plain[key]));
    }
  },
  cyclonedx: async (text, report) => {
    await validateCycloneDx(text, 'cyclonedx export');
    const bom = JSON.parse(text) as { components?: { purl?: string; 'bom-ref'?: string }[]; vulnerabilities?: { id: string; affects: { ref: string }[] }[] };
    const purls = new Set((bom.components ?? []).map((c) => c.purl));
    for (const component of report.components) expect(purls.has(component.purl), component.purl).toBe(true);
    // Findings as vulnerabilities, each affecting a component of this BOM; none without findings.
    if (report.findings.length === 0) expect(bom.vulnerabilities).toBeUndefined();
    const refs = new Set((bom.components ?? []).map((c) => c['bom-ref']));
    expect(new Set((bom.vulnerabilities ?? []).map((v) => v.id))).toEqual(new Set(report.findings.map((f) => f.id)));
    for (const v of bom.vulnerabilities ?? []) for (const affect of v.affects) expect(refs.has(affect.ref), affect.ref).toBe(true);
  },
  spdx: (text, report) => {
    assertValid('spdx', text);
    const doc = JSON.parse(text) as { packages: { SPDXID: string; externalRefs?: { referenceLocator: string }[] }[]; relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[] };
    const purls = new Set(doc.packages.flatMap((p) => (p.externalRefs ?? []).map((r) => r.referenceLocator)));
    for (const component of report.components) expect(purls.has(component.purl), component.purl).toBe(true);
    expect(doc.relationships).toContainEqual({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-Target' });
    const contained = new Set(doc.relationships.filter((r) => r.relationshipType === 'CONTAINS').map((r) => r.relatedSpdxElement));
    for (const p of doc.packages) if (p.SPDXID !== 'SPDXRef-Target') expect(contained.has(p.SPDXID), p.SPDXID).toBe(true);
  },
  sarif: (text, report) => {
    assertValid('sarif', text);
    const log = JSON.parse(text) as { runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; ruleIndex: number; locations: unknown[] }[] }[] };
    const [run] = log.runs;
    expect(run?.results).toHaveLength(report.findings.length);
    for (const result of run?.results ?? []) {
      expect(run?.tool.driver.rules[result.ruleIndex]?.id).toBe(result.ruleId);
      expect(result.locations.length).toBeGreaterThan(0);
    }
  },
  openvex: (text, report) => {
    const doc = JSON.parse(text) as { statements: { vulnerability: { name: string }; products: { '@id': string }[] }[] };
    const errors = schemaErrors('openvex', doc);
    if (report.findings.length === 0) {
      // OpenVEX tooling writes an empty statement list for "nothing to say"; the 0.2.0 schema's minItems is the one error allowed.
      expect(errors.map((e) => `${e.instancePath} ${e.keyword}`)).toEqual(['/statements minItems']);
    } else {
      expect(errors).toEqual([]);
    }
    expect(doc.statements.map((s) => `${s.vulnerability.name} ${s.products[0]?.['@id'] ?? ''}`).sort()).toEqual(report.findings.map((f) => `${f.id} ${f.purl}`).sort());
  },
  'cyclonedx-vex': async (text, report) => {
    await validateCycloneDx(text, 'cyclonedx-vex export');
    const bom = JSON.parse(text) as { components?: unknown[]; vulnerabilities?: { id: string; analysis?: { state?: string }; affects: { ref: string }[] }[] };
    expect(bom.components ?? []).toEqual([]);
    expect(new Set((bom.vulnerabilities ?? []).map((v) => v.id))).toEqual(new Set(report.findings.map((f) => f.id)));
    for (const v of bom.vulnerabilities ?? []) {
      expect(v.analysis?.state).toBeDefined();
      for (const affect of v.affects) expect(affect.ref).toMatch(/^urn:cdx:[0-9a-f-]{36}\/1#.+/);
    }
  },
  markdown: (text, report) => {
    expect(text.split('\n', 1)[0]).toBe(`# Stella scan: ${report.target.name}`);
    expect(text).toContain(`${report.summary.components} components, ${report.findings.length} findings`);
    for (const finding of report.findings) expect(text).toMatch(new RegExp(`^\\| ${finding.severity.level} \\| ${finding.name} \\|.*${finding.id}`, 'm'));
  },
};

const emptyReport: Report = {
  schema: REPORT_SCHEMA,
  tool: { name: 'stella', version: '0.0.0-test' },
  target: { kind: 'project-dir', name: 'empty', digest: `sha256:${'0'.repeat(64)}` },
  inputs: { feed: null },
  summary: { components: 0, findings: 0, severities: {} },
  coverage: { ecosystems: [], unchecked: [] },
  components: [],
  findings: [],
  warnings: [],
};

const fullReport: Report = {
  schema: REPORT_SCHEMA,
  tool: { name: 'stella', version: '0.0.0-test' },
  target: {
    kind: 'oci-layout',
    name: 'app:1.0',
    digest: `sha256:${'a'.repeat(64)}`,
    os: { id: 'debian', versionId: '12', versionCodename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    layers: [{ index: 0, diffId: `sha256:${'b'.repeat(64)}` }],
  },
  inputs: { feed: { commit: 'c'.repeat(40), tree: 'd'.repeat(40) } },
  summary: { components: 3, findings: 2, severities: { CRITICAL: 1, HIGH: 0, MEDIUM: 1, LOW: 0, UNKNOWN: 0 } },
  coverage: {
    ecosystems: [
      { ecosystem: 'Debian:12', type: 'deb', components: 1, checked: 1, advisories: 40 },
      { ecosystem: 'npm', type: 'npm', components: 2, checked: 2, advisories: 25 },
    ],
    unchecked: [],
  },
  components: [
    { purl: 'pkg:npm/lodash@4.17.20', name: 'lodash', version: '4.17.20', type: 'npm', locations: ['app/package-lock.json'] },
    { purl: 'pkg:npm/%40babel/core@7.0.0', name: '@babel/core', version: '7.0.0', type: 'npm', locations: ['app/node_modules/@babel/core/package.json'] },
    { purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12', name: 'libssl3', version: '3.0.11-1~deb12u2', type: 'deb', layer: `sha256:${'b'.repeat(64)}`, sourceName: 'openssl', sourceVersion: '3.0.11-1~deb12u2' },
  ],
  findings: [
    {
      id: 'GHSA-29mw-wpgm-hmr9', aliases: ['CVE-2020-28500'], purl: 'pkg:npm/lodash@4.17.20', name: 'lodash', installed: '4.17.20', fixed: '4.17.21',
      severity: { level: 'MEDIUM', source: 'cvss', cvss: [{ type: 'CVSS_V3', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L' }] },
      summary: 'Regular Expression Denial of Service (ReDoS) in lodash', epss: { score: 0.00123, percentile: 0.45 },
    },
    {
      id: 'CVE-2024-0001', aliases: [], purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12', name: 'libssl3', installed: '3.0.11-1~deb12u2',
      severity: { level: 'CRITICAL', source: 'database', cvss: [] }, kev: { dateAdded: '2024-01-02', dueDate: '2024-01-23', knownRansomwareCampaignUse: 'Unknown' },
    },
  ],
  warnings: ['app/yarn.lock: line 3 skipped'],
};

/** Freezes a value and everything in it, so an exporter that writes to its input throws. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

async function renderText(exporter: Exporter, report: Report): Promise<{ text: string; bytes: Uint8Array }> {
  const bytes = exportBytes(await exporter.render(report, {}));
  return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), bytes };
}

describe('exporter registry', () => {
  it('names are unique, non-empty and usable as --format values', () => {
    const names = builtinExporters.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(defaultExporters.names).toEqual(names);
  });

  it('refuses two exporters with the same name', () => {
    const [first] = builtinExporters;
    if (first === undefined) throw new TypeError('no exporters registered');
    expect(() => createExporterRegistry([first, { ...first }])).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringContaining(`"${first.name}"`) }));
  });

  it('get() names the choices when a format is unknown', () => {
    expect(() => defaultExporters.get('xml')).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/'xml'.*table, json, cyclonedx/) }));
  });

  it('every registered exporter has a contract check', () => {
    expect(Object.keys(checks).sort()).toEqual(builtinExporters.map((e) => e.name).sort());
  });
});

describe.each(defaultExporters.exporters.map((e) => [e.name, e] as const))('exporter contract: %s', (name, exporter) => {
  const check = checks[name];
  if (check === undefined) throw new TypeError(`no contract check for exporter ${name}`);

  it('describes its output', () => {
    expect(exporter.description).not.toBe('');
    expect(exporter.mediaType).toMatch(/^[a-z]+\/[a-z0-9.+-]+(; ?charset=utf-8)?$/);
    expect(exporter.fileExtension).toMatch(/^(\.[a-z0-9]+)+$/);
    expect(typeof exporter.terminal).toBe('boolean');
    expect(typeof exporter.usesTimestamp).toBe('boolean');
  });

  it.each([['an empty report', emptyReport], ['a full report', fullReport]])('renders %s validly, ending in a newline', async (_label, report) => {
    const { text } = await renderText(exporter, deepFreeze(structuredClone(report)));
    expect(text.endsWith('\n')).toBe(true);
    await check(text, report);
  });

  it('is deterministic and leaves the report untouched', async () => {
    const report = deepFreeze(structuredClone(fullReport));
    const first = await renderText(exporter, report);
    const second = await renderText(exporter, structuredClone(fullReport));
    expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    expect(report).toEqual(fullReport);
  });

  it('gives the same bytes with or without a clock in the context when its format needs none', async () => {
    const plain = exportBytes(await exporter.render(fullReport, {}));
    const clocked = exportBytes(await exporter.render(fullReport, { timestamp: '2030-01-01T00:00:00Z' }));
    if (!exporter.usesTimestamp) {
      expect(Buffer.from(clocked).equals(Buffer.from(plain))).toBe(true);
      return;
    }
    // A format that carries a time takes the caller's, still deterministically, and is still valid with it.
    const text = new TextDecoder().decode(clocked);
    expect(text).toContain('2030-01-01T00:00:00');
    expect(Buffer.from(exportBytes(await exporter.render(fullReport, { timestamp: '2030-01-01T00:00:00Z' }))).equals(Buffer.from(clocked))).toBe(true);
    await check(text, fullReport);
  });

  it('a terminal width changes only formats meant for a terminal, and those then fit it', async () => {
    const plain = exportBytes(await exporter.render(fullReport, {}));
    const narrow = exportBytes(await exporter.render(fullReport, { columns: 80 }));
    if (!exporter.terminal) {
      expect(Buffer.from(narrow).equals(Buffer.from(plain))).toBe(true);
      return;
    }
    for (const line of new TextDecoder().decode(narrow).split('\n')) expect([...line].length, line).toBeLessThanOrEqual(80);
  });
});
