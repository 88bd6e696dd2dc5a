// Shared by the policy benchmarks: a realistic built-in policy, exceptions,
// and image reports with N findings spread over npm, PyPI and Debian
// packages in a base and an application layer, with CVSS scores, some KEV
// and EPSS facts, fixes and publication dates — deterministic for a seed.
import { REPORT_SCHEMA } from '../dist/core/model/report.js';

export const POLICY = `schema: stella.policy/v1
name: bench
default: pass
baseLayers: 1
rules:
  - { id: kev, verdict: fail, when: { kev: true } }
  - { id: not-affected, verdict: pass, when: { status: [not_affected, fixed] } }
  - { id: base-critical, verdict: warn, when: { layer: base, severity: { min: CRITICAL } } }
  - { id: likely-exploited, verdict: fail, when: { epss: { percentile: { min: 0.95 } }, fixAvailable: true } }
  - { id: app-critical, verdict: fail, when: { layer: application, cvss: { min: 9 }, fixAvailable: true } }
  - { id: debian-old, verdict: warn, when: { ecosystem: 'Debian:*', publishedDays: { min: 365 } } }
  - { id: internal, verdict: pass, when: { purl: ['pkg:npm/%40acme/*', 'pkg:pypi/acme-*'] } }
  - { id: high-fixable, verdict: warn, when: { severity: [HIGH], fixAvailable: true, package: ['*'] } }
`;

export const CANDIDATE = POLICY.replace('{ id: high-fixable, verdict: warn', '{ id: high-fixable, verdict: fail');

const LEVELS = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const BASE = `sha256:${'1'.repeat(64)}`;
const APP = `sha256:${'2'.repeat(64)}`;

/** 20 exceptions by id and purl, half of them expired at `now`. */
export function exceptions(now) {
  return Array.from({ length: 20 }, (_, i) => ({
    ref: `exceptions/bench.yaml#e${i}`,
    owner: 'bench',
    reason: 'benchmark',
    ids: [`CVE-2023-${10000 + i * 37}`],
    purls: i % 2 === 0 ? [`pkg:npm/pkg-${i * 37}*`] : [],
    targets: [],
    expires: new Date(now.getTime() + (i % 2 === 0 ? 1 : -1) * 86_400_000),
  }));
}

/** An image report with `n` findings (seeded by `seed`). */
export function benchReport(n, seed = 0) {
  const components = [];
  const findings = [];
  for (let i = 0; i < n; i++) {
    const k = i + seed;
    const kind = k % 3;
    const purl = kind === 0 ? `pkg:npm/pkg-${k % 400}@1.${k % 7}.0` : kind === 1 ? `pkg:pypi/lib-${k % 300}@2.${k % 5}` : `pkg:deb/debian/libx${k % 200}@1.${k % 9}-1?arch=amd64&distro=debian-12`;
    if (i % 2 === 0) components.push({ purl, name: purl.split('/').pop().split('@')[0], version: '1', type: purl.slice(4, purl.indexOf('/')), layer: kind === 2 ? BASE : APP });
    const score = ((k * 7919) % 100) / 10;
    const finding = {
      id: `GHSA-${k.toString(36).padStart(4, '0')}`,
      aliases: [`CVE-2023-${10000 + k}`],
      purl,
      name: purl.split('/').pop().split('@')[0],
      installed: '1',
      severity: { level: LEVELS[Math.min(3, Math.floor(score / 2.5))], source: 'database', cvss: [{ type: 'CVSS_V3', vector: 'CVSS:3.1/AV:N', score }] },
      published: new Date(Date.UTC(2018 + (k % 7), k % 12, 1 + (k % 28))).toISOString(),
    };
    if (k % 3 !== 1) finding.fixed = '9.9.9';
    if (k % 97 === 0) finding.kev = { dateAdded: '2024-01-01', dueDate: '2024-01-22', knownRansomwareCampaignUse: 'Unknown' };
    if (k % 4 === 0) finding.epss = { score: (k % 100) / 100, percentile: (k % 1000) / 1000 };
    if (k % 11 === 0) finding.status = 'not_affected';
    findings.push(finding);
  }
  return {
    schema: REPORT_SCHEMA,
    tool: { name: 'stella', version: '0.1.0' },
    target: { kind: 'oci-archive', name: `bench/app-${seed}`, digest: `sha256:${'e'.repeat(64)}`, layers: [{ index: 0, diffId: BASE }, { index: 1, diffId: APP }] },
    inputs: { feed: null },
    summary: { components: components.length, findings: findings.length, severities: {} },
    coverage: { ecosystems: [], unchecked: [] },
    components,
    findings,
    warnings: [],
  };
}
