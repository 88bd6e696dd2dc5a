/**
 * Small reports for exporter unit tests: a target, components and findings
 * with only what a test sets, the rest filled in plausibly.
 */
import { REPORT_SCHEMA, type Finding, type Report, type ReportComponent } from '../model/report.js';

/** A finding of `id` in `purl`; `extra` overrides any field. */
export function finding(id: string, purl: string, extra: Partial<Finding> = {}): Finding {
  const [, name = 'pkg', installed = '1.0.0'] = /^pkg:[^/]+\/(?:.*\/)?([^@/]+)@([^?#]+)/.exec(purl) ?? [];
  return { id, aliases: [], purl, name: decodeURIComponent(name), installed, severity: { level: 'HIGH', source: 'database', cvss: [] }, ...extra };
}

/** A component for `purl` found in `locations`. */
export function component(purl: string, locations: string[] = [], extra: Partial<ReportComponent> = {}): ReportComponent {
  const [, type = 'npm', name = 'pkg', version = '1.0.0'] = /^pkg:([^/]+)\/(?:.*\/)?([^@/]+)@([^?#]+)/.exec(purl) ?? [];
  return { purl, name: decodeURIComponent(name), version, type, ...(locations.length === 0 ? {} : { locations }), ...extra };
}

/** An image report holding `components` and `findings`. */
export function imageReport(components: ReportComponent[], findings: Finding[]): Report {
  return {
    schema: REPORT_SCHEMA,
    tool: { name: 'stella', version: '0.1.0' },
    target: { kind: 'oci-archive', name: 'shop/web:2.1', digest: `sha256:${'e'.repeat(64)}`, layers: [{ index: 0, diffId: `sha256:${'1'.repeat(64)}` }, { index: 1, diffId: `sha256:${'2'.repeat(64)}` }] },
    inputs: { feed: null },
    summary: { components: components.length, findings: findings.length, severities: {} },
    coverage: { ecosystems: [], unchecked: [] },
    components,
    findings,
    warnings: [],
  };
}
