/**
 * OPA wasm policy packs end to end through the compiled `stella`: a pack
 * built from the project's WAT fixture (fails KEV and CRITICAL findings,
 * warns HIGH) imported and put in force, deciding a committed report;
 * simulated as a candidate; and a pack that traps, whose target verdict
 * is `error` and fails `--exit-code`. Real advisories: jQuery's
 * CVE-2020-11023 from the shared OSV data, listed in the shared CISA KEV.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../core/model/report.js';
import { variantPack } from '../core/policy/opa/opa-modules.test-helper.js';
import { cliEnv, runStella, type CliRun } from './helpers/cli.js';
import { sharedData } from './helpers/paths.js';

const NODE = 'opa-node';
const ADVISORY = 'GHSA-jpcq-cgw6-v4j6.json'; // jquery < 3.5.0, CVE-2020-11023, listed in CISA KEV
let root: string;
let env: NodeJS.ProcessEnv;
const file = (name: string): string => join(root, name);
const stella = (...args: string[]): Promise<CliRun> => runStella(args, { env, cwd: root });

async function scanJson(...args: string[]): Promise<{ run: CliRun; report: Report }> {
  const run = await stella('scan', '--format', 'json', ...args);
  return { run, report: JSON.parse(run.stdout) as Report };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-opa-'));
  env = cliEnv(root, { STELLA_NODE: NODE, STELLA_REPO: file('state') });
  expect((await stella('init', file('state'))).code).toBe(0);
  const zip = unzipSync(new Uint8Array(readFileSync(join(sharedData, 'osv', 'npm', 'all.zip'))), { filter: (f) => f.name === ADVISORY });
  await mkdir(file('advisories'));
  await writeFile(join(file('advisories'), ADVISORY), zip[ADVISORY] ?? new Uint8Array());
  for (const feed of [file('advisories'), join(sharedData, 'kev', 'known_exploited_vulnerabilities.json')]) {
    const imported = await stella('feed', 'import', feed);
    expect(imported.code, imported.stderr).toBe(0);
  }
  await mkdir(file('project'));
  const lock = { name: 'web', lockfileVersion: 3, requires: true, packages: { '': { name: 'web' }, 'node_modules/jquery': { version: '3.4.1' } } };
  await writeFile(join(file('project'), 'package-lock.json'), JSON.stringify(lock));
  await mkdir(file('good'));
  await mkdir(file('trap'));
  await writeFile(join(file('good'), 'bundle.tar.gz'), variantPack('good'));
  await writeFile(join(file('trap'), 'bundle.tar.gz'), variantPack('trap'));
}, 240_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('an OPA wasm pack as the policy in force', () => {
  it('is imported, signed and put in force; committed reports get its verdicts; stella verify accepts the repository', async () => {
    const imported = await stella('policy', 'import', '--use', join(file('good'), 'bundle.tar.gz'));
    expect(imported.code, imported.stderr).toBe(0);
    const { run, report } = await scanJson(file('project'), '--name', 'web', '--commit');
    expect(run.code, run.stderr).toBe(0);
    expect(report.policy).toMatchObject({ verdict: 'fail', engine: 'opa-wasm', source: 'policies/bundle.tar.gz', reasons: ['1 finding(s) listed in CISA KEV or of CRITICAL severity'] });
    expect(report.findings.find((f) => f.aliases.includes('CVE-2020-11023'))?.verdict).toEqual({ verdict: 'fail', rule: 'kev', reason: 'listed in CISA KEV' });
    const verified = await stella('verify');
    expect(verified.code, verified.stderr).toBe(0);
  });

  it('is simulated as a candidate: the same pack changes nothing, a trapping pack turns the target to error', async () => {
    const same = await stella('policy', 'simulate', join(file('good'), 'bundle.tar.gz'), '--ref', `agents/${NODE}`, '--format', 'markdown');
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain('against the policy in force `policies/bundle.tar.gz` (opa-wasm, sha256 ');
    expect(same.stdout).toContain('**No target or finding would change verdict.**');
    const trap = await stella('policy', 'simulate', join(file('trap'), 'bundle.tar.gz'), '--ref', `agents/${NODE}`);
    expect(trap.code, trap.stderr).toBe(0);
    expect(trap.stdout).toMatch(/findings\/opa-node\/web\s+fail\s+error/);
  });

  it('a pack that traps gives the target verdict error, and --exit-code fails, locally and committed', async () => {
    const local = await scanJson(file('project'), '--policy', join(file('trap'), 'bundle.tar.gz'), '--exit-code', '1');
    expect(local.run.code).toBe(1);
    expect(local.report.policy).toMatchObject({ verdict: 'error', engine: 'opa-wasm', reasons: [expect.stringContaining('trapped') as string] });
    expect(local.report.findings.every((f) => f.verdict === undefined)).toBe(true);

    const imported = await stella('policy', 'import', '--use', '--name', 'trap.tar.gz', join(file('trap'), 'bundle.tar.gz'));
    expect(imported.code, imported.stderr).toBe(0);
    const committed = await scanJson(file('project'), '--name', 'web', '--commit', '--exit-code', '1');
    expect(committed.run.code).toBe(1);
    expect(committed.report.policy).toMatchObject({ verdict: 'error', source: 'policies/trap.tar.gz' });
    expect(committed.run.stderr).toContain('policy policies/trap.tar.gz: error');
  });
});
