import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../test/helpers/paths.js';
import { nvdConnector } from '../feeds/nvd/connector.js';
import { parseNvdTable } from '../feeds/nvd/table.js';
import type { OsvRecord } from '../model/osv.js';
import { REPORT_SCHEMA, type Finding, type Report } from '../model/report.js';
import { resolveSeverities, type NvdCvss, type SeverityLookup } from './resolve-severity.js';

/** An in-memory lookup over records and an NVD table, as the index answers. */
function lookup(records: OsvRecord[], nvdRows: Array<NvdCvss & { cve: string }> = []): SeverityLookup {
  return {
    recordsAliasing: async (ids) => new Map(ids.map((id) => [id, records.filter((r) => r.id === id || (r.aliases ?? []).includes(id))])),
    nvdCvssFor: async (cves) => {
      const out = new Map<string, NvdCvss[]>();
      for (const cve of cves) {
        const rows = nvdRows.filter((row) => row.cve === cve).map(({ type, primary, vector }) => ({ type, primary, vector }));
        if (rows.length > 0) out.set(cve, rows);
      }
      return out;
    },
  };
}

/** NVD rows made by the connector from the real records in feeds/nvd/testdata. */
function realNvdRows(): Array<NvdCvss & { cve: string }> {
  const cves = ['CVE-2014-1829', 'CVE-2023-32681', 'CVE-2024-3400', 'CVE-2025-0108'];
  const vulnerabilities = cves.map((cve) => ({ cve: JSON.parse(readFileSync(new URL(`../feeds/nvd/testdata/${cve}.json`, import.meta.url), 'utf8')) as unknown }));
  const { file } = nvdConnector.table({ name: 'nvd.json', bytes: new TextEncoder().encode(JSON.stringify({ format: 'NVD_CVE', version: '2.0', vulnerabilities })) });
  return parseNvdTable(file, 'nvd').rows;
}

const finding = (id: string, aliases: string[], severity: Finding['severity'] = { level: 'UNKNOWN', source: 'none', cvss: [] }): Finding => ({
  id, aliases, purl: 'pkg:pypi/requests@2.2.1', name: 'requests', installed: '2.2.1', severity,
});
const ghsa = (id: string, aliases: string[], severity: string, extra: Partial<OsvRecord> = {}): OsvRecord => ({ id, modified: '2024-01-01T00:00:00Z', aliases, database_specific: { severity }, ...extra });

describe('resolveSeverities', () => {
  it('rates an unrated PYSEC finding with the GHSA record that aliases the same CVE, naming it', async () => {
    const records = [ghsa('GHSA-cfj3-7x9c-4p3h', ['CVE-2014-1829'], 'MODERATE')];
    const [rated] = await resolveSeverities([finding('PYSEC-2014-13', ['CVE-2014-1829'])], lookup(records));
    expect(rated?.severity).toEqual({ level: 'MEDIUM', source: 'alias:GHSA-cfj3-7x9c-4p3h', cvss: [] });
  });

  it('takes the highest of its own and every related record, never lowering its own', async () => {
    const records = [ghsa('GHSA-aaaa', ['CVE-2024-1'], 'LOW'), ghsa('GHSA-bbbb', ['CVE-2024-1'], 'CRITICAL'), ghsa('GHSA-cccc', ['CVE-2024-1'], 'CRITICAL', { withdrawn: '2024-02-01T00:00:00Z' })];
    const own = { level: 'HIGH' as const, source: 'database' as const, cvss: [] };
    const [raised] = await resolveSeverities([finding('PYSEC-1', ['CVE-2024-1'], own)], lookup(records));
    expect(raised?.severity.source).toBe('alias:GHSA-bbbb');
    expect(raised?.severity.level).toBe('CRITICAL');
    const [kept] = await resolveSeverities([finding('PYSEC-1', ['CVE-2024-1'], own)], lookup([records[0] as OsvRecord]));
    expect(kept?.severity).toEqual(own);
  });

  it('scores a related record by its CVSS vector when it gives no rating (v3 here)', async () => {
    const records: OsvRecord[] = [{ id: 'GHSA-dddd', modified: '2024-01-01T00:00:00Z', aliases: ['CVE-2024-2'], severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }] }];
    const [rated] = await resolveSeverities([finding('PYSEC-2', ['CVE-2024-2'])], lookup(records));
    expect(rated?.severity).toEqual({ level: 'CRITICAL', source: 'alias:GHSA-dddd', cvss: [{ type: 'CVSS_V3', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8 }] });
  });

  it('falls back to NVD by CVE for real records: v2, v3.1 Primary, v3.1 Secondary, v4.0', async () => {
    const nvd = lookup([], realNvdRows());
    const rated = await resolveSeverities(
      [finding('PYSEC-2014-13', ['CVE-2014-1829']), finding('PYSEC-2023-74', ['CVE-2023-32681']), finding('CVE-2024-3400', []), finding('X-1', ['CVE-2025-0108']), finding('PYSEC-0', ['CVE-1999-0001'])],
      nvd,
    );
    expect(rated.map((f) => [f.severity.level, f.severity.source, f.severity.cvss.map((c) => c.score)])).toEqual([
      ['MEDIUM', 'nvd', [5]],
      ['MEDIUM', 'nvd', [6.1]],
      ['CRITICAL', 'nvd', [10]],
      ['HIGH', 'nvd', [8.8]],
      ['UNKNOWN', 'none', []],
    ]);
  });

  it('prefers an advisory rating to NVD, and NVD Primary to a numbering authority score', async () => {
    const records = [ghsa('GHSA-eeee', ['CVE-2023-32681'], 'LOW')];
    const [advisory] = await resolveSeverities([finding('PYSEC-2023-74', ['CVE-2023-32681'])], lookup(records, realNvdRows()));
    expect(advisory?.severity.level).toBe('LOW');
    const rows: Array<NvdCvss & { cve: string }> = [
      { cve: 'CVE-2024-9', type: 'CVSS_V4', primary: false, vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' },
      { cve: 'CVE-2024-9', type: 'CVSS_V3', primary: true, vector: 'CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N' },
    ];
    const [primary] = await resolveSeverities([finding('PYSEC-9', ['CVE-2024-9'])], lookup([], rows));
    expect(primary?.severity.level).toBe('LOW');
    expect(primary?.severity.source).toBe('nvd');
  });
});

describe('the report schema', () => {
  it('accepts every severity source resolution writes, and refuses others', async () => {
    const schema = JSON.parse(readFileSync(join(projectRoot, 'schemas', 'report.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020.default({ allErrors: true, strict: false }).compile(schema);
    const rated = await resolveSeverities(
      [finding('PYSEC-2014-13', ['CVE-2014-1829']), finding('PYSEC-1', ['CVE-2024-1']), finding('PYSEC-0', [])],
      lookup([ghsa('GHSA-bbbb', ['CVE-2024-1'], 'HIGH')], realNvdRows()),
    );
    expect(rated.map((f) => f.severity.source)).toEqual(['nvd', 'alias:GHSA-bbbb', 'none']);
    const report = (findings: Finding[]): Report => ({
      schema: REPORT_SCHEMA, tool: { name: 'stella', version: '0.0.0-test' }, target: { kind: 'project-dir', name: 'app', digest: `sha256:${'0'.repeat(64)}` },
      inputs: { feed: null }, summary: { components: 1, findings: findings.length, severities: {} }, coverage: { ecosystems: [], unchecked: [] },
      components: [{ purl: 'pkg:pypi/requests@2.2.1', name: 'requests', version: '2.2.1', type: 'pypi' }], findings, warnings: [],
    });
    expect(validate(JSON.parse(JSON.stringify(report(rated)))), JSON.stringify(validate.errors)).toBe(true);
    const bogus = { ...finding('X', []), severity: { level: 'LOW' as const, source: 'guess' as 'none', cvss: [] } };
    expect(validate(JSON.parse(JSON.stringify(report([bogus]))))).toBe(false);
  });
});
