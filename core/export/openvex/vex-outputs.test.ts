/**
 * VEX statuses flowing into every VEX-shaped output: OpenVEX statements and
 * CycloneDX analysis, for the default (`affected`) and for a status a VEX
 * statement set on a finding.
 */
import { describe, expect, it } from 'vitest';
import { validateCycloneDx } from '../../../test/helpers/cyclonedx-validate.js';
import { schemaErrors } from '../../../test/helpers/format-validate.js';
import { buildCycloneDx } from '../../sbom/cyclonedx.js';
import { renderCycloneDx } from '../cyclonedx/cyclonedx.js';
import { renderCycloneDxVex } from '../cyclonedx-vex/cyclonedx-vex.js';
import { component, finding, imageReport } from '../report.test-helper.js';
import { buildOpenVex } from './openvex.js';
import type { Finding } from '../../model/report.js';

const affected = finding('GHSA-1111-2222-3333', 'pkg:npm/a@1.0.0', { aliases: ['CVE-2024-1'], fixed: '1.0.1', summary: 'Bad thing in a' });
const ruledOut: Finding = { ...finding('CVE-2024-9', 'pkg:npm/b@2.0.0'), status: 'not_affected', justification: 'vulnerable_code_not_present', statusSource: 'vex/app.openvex.json' };
const report = imageReport([component('pkg:npm/a@1.0.0', ['package-lock.json']), component('pkg:npm/b@2.0.0', ['package-lock.json'])], [affected, ruledOut]);

interface OpenVexDoc {
  '@id': string;
  timestamp: string;
  statements: { vulnerability: { name: string; aliases?: string[] }; status: string; justification?: string; action_statement?: string; status_notes?: string }[];
}

describe('openvex exporter', () => {
  it('writes affected by default with an action, and carries a finding’s own status and justification', () => {
    const doc = JSON.parse(JSON.stringify(buildOpenVex(report, {}))) as OpenVexDoc;
    expect(schemaErrors('openvex', doc)).toEqual([]);
    expect(doc.timestamp).toBe('1970-01-01T00:00:00Z');
    expect(doc.statements).toEqual([
      expect.objectContaining({ vulnerability: expect.objectContaining({ name: 'CVE-2024-9' }) as unknown, status: 'not_affected', justification: 'vulnerable_code_not_present', status_notes: 'status from vex/app.openvex.json' }),
      expect.objectContaining({ vulnerability: expect.objectContaining({ name: 'GHSA-1111-2222-3333', aliases: ['CVE-2024-1'] }) as unknown, status: 'affected', action_statement: 'Upgrade a to 1.0.1 or later.' }),
    ]);
    expect(doc.statements[0]?.action_statement).toBeUndefined();
  });

  it('derives @id from the content, not from the clock', () => {
    const plain = buildOpenVex(report, {});
    const clocked = buildOpenVex(report, { timestamp: '2030-05-06T07:08:09.123Z' });
    expect(clocked['@id']).toBe(plain['@id']);
    expect(clocked['timestamp']).toBe('2030-05-06T07:08:09Z');
    expect(buildOpenVex({ ...report, findings: [affected] }, {})['@id']).not.toBe(plain['@id']);
    expect(() => buildOpenVex(report, { timestamp: 'yesterday' })).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('cyclonedx vulnerabilities', () => {
  type Vuln = { id: string; analysis?: { state: string; justification?: string; response?: string[]; detail?: string }; affects: { ref: string; versions: { version: string; status: string }[] }[]; ratings: { severity: string }[] };

  it('cyclonedx-vex: analysis for every vulnerability, mapped from the VEX status, affects linked into the SBOM', async () => {
    const text = renderCycloneDxVex(report, {});
    await validateCycloneDx(text);
    const vex = JSON.parse(text) as { metadata: { timestamp?: string }; vulnerabilities: Vuln[] };
    expect(vex.metadata.timestamp).toBeUndefined();
    const serial = (buildCycloneDx({ target: report.target, components: report.components, tool: report.tool }).serialNumber ?? '').replace('urn:uuid:', '');
    const [notAffected, exploitable] = vex.vulnerabilities;
    expect(notAffected).toMatchObject({ id: 'CVE-2024-9', analysis: { state: 'not_affected', justification: 'code_not_present', detail: 'source: vex/app.openvex.json' } });
    expect(notAffected?.affects).toEqual([{ ref: `urn:cdx:${serial}/1#${encodeURIComponent('pkg:npm/b@2.0.0')}`, versions: [{ version: '2.0.0', status: 'unaffected' }] }]);
    expect(exploitable).toMatchObject({ id: 'GHSA-1111-2222-3333', analysis: { state: 'exploitable', response: ['update'] }, ratings: [{ severity: 'high' }] });
  });

  it('cyclonedx: analysis only where a VEX statement set the status; affects are bom-refs of the same BOM', async () => {
    const text = renderCycloneDx(report);
    await validateCycloneDx(text);
    const bom = JSON.parse(text) as { vulnerabilities: Vuln[] };
    expect(bom.vulnerabilities.map((v) => [v.id, v.analysis?.state])).toEqual([['CVE-2024-9', 'not_affected'], ['GHSA-1111-2222-3333', undefined]]);
    expect(bom.vulnerabilities[1]?.affects[0]?.ref).toBe('pkg:npm/a@1.0.0');
  });
});

describe('VEX fields set by statements, carried through both VEX outputs', () => {
  const investigating: Finding = {
    ...finding('CVE-2024-7', 'pkg:npm/c@3.0.0'),
    status: 'under_investigation',
    actionStatement: 'Do not expose the admin port until triage ends.',
    statusSource: 'vex/c.cdx.json#0',
  };
  const explained: Finding = { ...ruledOut, impactStatement: 'b is only used at build time.' };
  const decided = imageReport([component('pkg:npm/a@1.0.0'), component('pkg:npm/b@2.0.0'), component('pkg:npm/c@3.0.0')], [affected, explained, investigating]);

  it('openvex: the action statement of any status, the impact statement and the source', () => {
    const doc = JSON.parse(JSON.stringify(buildOpenVex(decided, {}))) as OpenVexDoc & { statements: { impact_statement?: string }[] };
    expect(schemaErrors('openvex', doc)).toEqual([]);
    const byName = new Map(doc.statements.map((s) => [s.vulnerability.name, s]));
    expect(byName.get('CVE-2024-7')).toMatchObject({ status: 'under_investigation', action_statement: 'Do not expose the admin port until triage ends.', status_notes: 'status from vex/c.cdx.json#0' });
    expect(byName.get('CVE-2024-9')).toMatchObject({ status: 'not_affected', justification: 'vulnerable_code_not_present', impact_statement: 'b is only used at build time.' });
  });

  it('cyclonedx-vex: detail keeps the impact, a non-affected action and the source', async () => {
    const text = renderCycloneDxVex(decided, {});
    await validateCycloneDx(text);
    const details = new Map((JSON.parse(text) as { vulnerabilities: { id: string; analysis: { state: string; detail?: string } }[] }).vulnerabilities.map((v) => [v.id, v.analysis]));
    expect(details.get('CVE-2024-7')).toEqual({ state: 'in_triage', detail: 'action: Do not expose the admin port until triage ends.; source: vex/c.cdx.json#0' });
    expect(details.get('CVE-2024-9')).toMatchObject({ state: 'not_affected', detail: 'b is only used at build time.; source: vex/app.openvex.json' });
  });

  it('both are deterministic: the same findings in any order give the same bytes', async () => {
    const shuffled = { ...decided, findings: [...decided.findings].reverse() };
    expect(JSON.stringify(buildOpenVex(shuffled, {}))).toBe(JSON.stringify(buildOpenVex(decided, {})));
    expect(renderCycloneDxVex(shuffled, {})).toBe(renderCycloneDxVex(decided, {}));
  });

  it('cyclonedx-vex: two packages share an entry only when their analyses say the same', () => {
    const other = { ...investigating, purl: 'pkg:npm/d@1.0.0', name: 'd', statusSource: 'vex/other.json#3' };
    const text = renderCycloneDxVex(imageReport([component('pkg:npm/c@3.0.0'), component('pkg:npm/d@1.0.0')], [investigating, other]), {});
    const entries = (JSON.parse(text) as { vulnerabilities: { id: string; analysis: { detail?: string } }[] }).vulnerabilities.filter((v) => v.id === 'CVE-2024-7');
    expect(entries.map((v) => v.analysis.detail)).toEqual([expect.stringContaining('vex/c.cdx.json#0'), expect.stringContaining('vex/other.json#3')]);
  });
});
