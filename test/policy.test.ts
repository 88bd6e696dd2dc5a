/**
 * Policy end to end through the compiled `stella`, on real scans with the
 * real npm advisories and CISA KEV list of shared data: the debian-node
 * image (an npm app on a Debian base) and a small npm project holding a
 * KEV-listed jQuery. Rules decide each finding with a trace, --exit-code
 * gates on the verdict, a signed policy and exceptions imported to main
 * decide committed reports (recorded in report.json and summary.md), a
 * tampered policy is refused, and simulation compares the stored reports
 * under a candidate, as a table and as Markdown.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../core/model/report.js';
import { openStateRepo } from '../agent/repo/state-repo.js';
import { scanTarget } from '../agent/scan/scan.js';
import { cliEnv, runStella, type CliRun } from './helpers/cli.js';
import { imagesDir, sharedData } from './helpers/paths.js';
import { git } from './helpers/repo.js';

let root: string;
let env: NodeJS.ProcessEnv;
const NODE = 'policy-node';
const image = (): string => join(imagesDir, 'debian-node.oci.tar');
const stella = (...args: string[]): Promise<CliRun> => runStella(args, { env, cwd: root });
const file = (name: string): string => join(root, name);

/** A gate on the debian-node findings: KEV first, then lodash's serious flaws, old semver advisories, low CVSS. */
const STRICT = `schema: stella.policy/v1
default: pass
baseLayers: 1
rules:
  - id: kev
    verdict: fail
    description: exploited in the wild
    when: { kev: true }
  - id: base-image
    verdict: warn
    when: { layer: base }
  - id: lodash-serious
    verdict: fail
    when: { package: lodash, severity: { min: HIGH }, fixAvailable: true, layer: application }
  - id: old-semver
    verdict: warn
    when: { purl: 'pkg:npm/semver', publishedDays: { min: 365 } }
  - id: low-cvss
    verdict: warn
    when: { cvss: { max: 6.9 } }
`;

async function scanJson(...args: string[]): Promise<Report> {
  const run = await stella('scan', '--format', 'json', ...args);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Report;
}

const byId = (report: Report, id: string) => report.findings.find((f) => f.id === id);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-policy-'));
  env = cliEnv(root, { STELLA_NODE: NODE, STELLA_REPO: file('state') });
  expect((await stella('init', file('state'))).code).toBe(0);
  for (const feed of [join(sharedData, 'osv', 'npm', 'all.zip'), join(sharedData, 'kev', 'known_exploited_vulnerabilities.json')]) {
    const imported = await stella('feed', 'import', feed);
    expect(imported.code, imported.stderr).toBe(0);
  }
  // jQuery 3.4.1 is affected by CVE-2020-11023, listed in CISA KEV; lodash 4.17.15 by three advisories, none listed.
  await mkdir(file('project'));
  const lock = { name: 'web', lockfileVersion: 3, requires: true, packages: { '': { name: 'web' }, 'node_modules/jquery': { version: '3.4.1' }, 'node_modules/lodash': { version: '4.17.15' } } };
  await writeFile(join(file('project'), 'package-lock.json'), JSON.stringify(lock));
  await writeFile(file('strict.yaml'), STRICT);
  await writeFile(file('kev-only.yaml'), 'schema: stella.policy/v1\nrules:\n  - { id: kev, verdict: fail, when: { kev: true } }\n');
}, 240_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('stella scan --policy on real findings', () => {
  it('each finding of the debian-node image gets the first matching rule, with a trace; the target the worst verdict', async () => {
    const report = await scanJson(image(), '--policy', file('strict.yaml'));
    const verdicts = Object.fromEntries(report.findings.map((f) => [f.id, `${f.verdict?.verdict}:${f.verdict?.rule ?? 'default'}`]));
    expect(verdicts).toEqual({
      'GHSA-29mw-wpgm-hmr9': 'warn:low-cvss', // lodash, MEDIUM 5.3
      'GHSA-35jh-r3h4-6jhm': 'fail:lodash-serious', // lodash, HIGH 7.2, fixed in 4.17.21
      'GHSA-p6mc-m468-83gw': 'fail:lodash-serious',
      'GHSA-9wv6-86v2-598j': 'pass:default', // path-to-regexp, HIGH 7.7, in the app layer
      'GHSA-rhx6-c78j-4q9w': 'pass:default',
      'GHSA-hrpp-h998-j3pp': 'pass:default', // qs
      'GHSA-c2qf-rxjj-qqgw': 'warn:old-semver', // published 2023, a year and more before now
    });
    expect(byId(report, 'GHSA-35jh-r3h4-6jhm')?.verdict?.reason).toBe('fail by rule lodash-serious: severity HIGH/CRITICAL, fix available, package lodash, in the application layers');
    expect(byId(report, 'GHSA-c2qf-rxjj-qqgw')?.published).toMatch(/^2023-/);
    expect(report.policy).toEqual({
      verdict: 'fail',
      engine: 'builtin',
      source: file('strict.yaml'),
      digest: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
      reasons: ['2 findings fail by rule lodash-serious'],
      expiredExceptions: [],
    });
  });

  it('KEV membership fails the KEV-listed jQuery finding of a project, and --exit-code gates on that verdict', async () => {
    const gated = await stella('scan', file('project'), '--policy', file('kev-only.yaml'), '--exit-code', '7', '--format', 'json');
    expect(gated.code, gated.stderr).toBe(7);
    const report = JSON.parse(gated.stdout) as Report;
    const jquery = report.findings.find((f) => f.aliases.includes('CVE-2020-11023'));
    expect(jquery?.kev).toBeDefined();
    expect(jquery?.verdict).toEqual({ verdict: 'fail', rule: 'kev', reason: 'fail by rule kev: KEV-listed' });
    expect(report.findings.filter((f) => f.verdict?.verdict === 'pass').length).toBe(report.findings.length - report.findings.filter((f) => f.kev !== undefined).length);
    expect(gated.stderr).toMatch(/policy .*kev-only\.yaml: fail \(\d+ findings? fail by rule kev\)/);
  });

  it('with a policy in force the gate follows the verdict, not the number of findings', async () => {
    const passing = await stella('scan', image(), '--policy', file('kev-only.yaml'), '--exit-code', '7', '--allow-unchecked', '--format', 'json');
    expect(passing.code, passing.stderr).toBe(0);
    const report = JSON.parse(passing.stdout) as Report;
    expect(report.findings.length).toBeGreaterThanOrEqual(7);
    expect(report.policy?.verdict).toBe('pass');
    // Without a policy, the same findings fail the gate as before.
    expect((await stella('scan', image(), '--exit-code', '7', '--allow-unchecked', '--format', 'json')).code).toBe(7);
  });

  it('refuses --policy with --commit, and a broken policy file in one line naming it', async () => {
    const both = await stella('scan', '--commit', image(), '--policy', file('strict.yaml'));
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--policy is for local use/);
    await writeFile(file('broken.yaml'), "schema: stella.policy/v1\nrules:\n  - { id: a, verdict: fail, when: { purl: 'lodash' } }\n");
    const broken = await stella('scan', image(), '--policy', file('broken.yaml'));
    expect(broken.code).toBe(2);
    expect(broken.stderr.trim().split('\n')).toHaveLength(1);
    expect(broken.stderr).toContain(`${file('broken.yaml')}: rules[0].when.purl: invalid pattern 'lodash'`);
  });
});

describe('the policy in force on main', () => {
  beforeAll(async () => {
    await writeFile(
      file('web-exceptions.yaml'),
      `schema: stella.exceptions/v1
exceptions:
  - id: lodash-template
    owner: web-team@example.com
    reason: templates are never built from user input
    expires: 2099-12-31
    scope: { ids: [CVE-2021-23337], purls: ['pkg:npm/lodash'] }
  - id: lodash-zip
    owner: web-team@example.com
    reason: waived until the upgrade, which was due in 2020
    expires: 2020-12-31
    scope: { ids: [CVE-2020-8203] }
`,
    );
    for (const args of [['--use', file('strict.yaml')], [file('web-exceptions.yaml')]]) {
      const imported = await stella('policy', 'import', ...args);
      expect(imported.code, imported.stderr).toBe(0);
    }
  }, 60_000);

  it('decides a committed report: verdicts and the outcome in report.json, VEX status and verdict columns in summary.md, all signed', async () => {
    const committed = await stella('scan', '--commit', image(), '--name', 'web', '--exit-code', '3');
    expect(committed.code, committed.stderr).toBe(3);
    const state = file('state');
    const report = JSON.parse(await git(state, 'show', `agents/${NODE}:findings/${NODE}/web/report.json`)) as Report;
    expect(report.policy).toMatchObject({ verdict: 'fail', source: 'policies/strict.yaml', reasons: ['1 finding fail by rule lodash-serious'], expiredExceptions: ['exceptions/web-exceptions.yaml#lodash-zip'] });
    expect(byId(report, 'GHSA-35jh-r3h4-6jhm')?.verdict).toMatchObject({ verdict: 'pass', rule: 'lodash-serious', exception: 'exceptions/web-exceptions.yaml#lodash-template' });
    expect(byId(report, 'GHSA-p6mc-m468-83gw')?.verdict).toMatchObject({ verdict: 'fail', rule: 'lodash-serious' });
    const summary = await git(state, 'show', `agents/${NODE}:findings/${NODE}/web/summary.md`);
    expect(summary).toContain('| severity | package | installed | advisory | fixed in | VEX status | verdict |');
    expect(summary).toMatch(/\| HIGH \| lodash \| 4\.17\.15 \| GHSA-p6mc-m468-83gw, CVE-2020-8203 \| 4\.17\.19 \| — \| fail \(rule lodash-serious\) \|/);
    expect(summary).toContain('pass (exception exceptions/web-exceptions.yaml#lodash-template)');
    expect(summary).toContain('Policy `policies/strict.yaml` (builtin): **fail** — 1 finding fail by rule lodash-serious.');
    expect(summary).toContain('Expired exceptions (no longer applied): `exceptions/web-exceptions.yaml#lodash-zip`.');
    const verified = await stella('verify');
    expect(verified.code, verified.stderr).toBe(0);
  });

  it('any caller of scanTarget with a repository gets the policy in force, as a scheduled agent would', async () => {
    const { report } = await scanTarget(file('project'), { repo: await openStateRepo(file('state')) });
    expect(report.policy).toMatchObject({ source: 'policies/strict.yaml', verdict: 'fail' });
    expect(report.findings.find((f) => f.aliases.includes('CVE-2020-11023'))?.verdict).toMatchObject({ verdict: 'fail', rule: 'kev' });
    expect((await scanTarget(file('project'), { repo: await openStateRepo(file('state')), policy: 'none' })).report.policy).toBeUndefined();
  });

  it('simulates a candidate over the committed reports: which target and findings change verdict, as a table and as Markdown', async () => {
    const table = await stella('policy', 'simulate', file('kev-only.yaml'), '--ref', `agents/${NODE}`);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('1 target and 3 findings would change verdict.');
    expect(table.stdout).toMatch(/findings\/policy-node\/web\s+fail\s+pass/);
    expect(table.stdout).toMatch(/ {2}lodash GHSA-p6mc-m468-83gw\s+fail\s+pass\s+default/);
    const markdown = await stella('policy', 'simulate', file('kev-only.yaml'), '--ref', `agents/${NODE}`, '--format', 'markdown', '--at', '2026-01-01T00:00:00Z');
    expect(markdown.code, markdown.stderr).toBe(0);
    expect(markdown.stdout).toContain('against the policy in force `policies/strict.yaml` (builtin, sha256 ');
    expect(markdown.stdout).toContain('1 report, 7 findings, evaluated as of 2026-01-01T00:00:00.000Z.');
    expect(markdown.stdout).toContain('| fail | 1 | 0 |\n| pass | 0 | 1 |');
    expect(markdown.stdout).toContain('## findings/policy-node/web: fail → pass');
    expect(markdown.stdout).toContain('| lodash | GHSA-p6mc-m468-83gw | fail | pass | default |');
    expect(markdown.stdout).toContain('| semver | GHSA-c2qf-rxjj-qqgw | warn | pass | default |');
    expect(markdown.stdout).toContain('| lodash | GHSA-29mw-wpgm-hmr9 | warn | pass | default |');
    // The same policy as the one in force changes nothing.
    const same = await stella('policy', 'simulate', file('strict.yaml'), '--ref', `agents/${NODE}`, '--format', 'markdown');
    expect(same.stdout).toContain('**No target or finding would change verdict.**');
  });

  it('refuses a policy on main whose signature no longer matches, naming it', async () => {
    const state = file('state');
    await writeFile(join(state, 'policies', 'strict.yaml'), STRICT.replace('verdict: fail', 'verdict: pass'));
    await git(state, '-c', 'user.name=x', '-c', 'user.email=x@example.invalid', 'commit', '-qam', 'loosen the gate without signing');
    try {
      const refused = await stella('scan', image());
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/policies\/strict\.yaml: .*signature/i);
    } finally {
      await git(state, 'reset', '-q', '--hard', 'HEAD~1');
    }
  });

  it('refuses to import an exception without an expiry, in one line naming the file', async () => {
    await writeFile(file('no-expiry.yaml'), 'schema: stella.exceptions/v1\nexceptions:\n  - { id: a, owner: o, reason: r, scope: { ids: [CVE-2020-8203] } }\n');
    const refused = await stella('policy', 'import', file('no-expiry.yaml'));
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain("exceptions/no-expiry.yaml: exceptions[0]: 'expires' is required: every exception must end");
  });
});
