/**
 * Nothing passes silently, through the compiled `stella` as a user runs it:
 * a report says what it checked, `--exit-code` fails when components were
 * not checked (unless `--allow-unchecked`) or the target is empty, and
 * `feed import` refuses a file that is not a feed before committing anything.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConnectors } from '../core/feeds/registry.js';
import type { Report } from '../core/model/report.js';
import { imagesDir, sharedData } from './helpers/paths.js';
import { runStella, type CliRun } from './helpers/cli.js';
import { git } from './helpers/repo.js';

type Run = CliRun;

let root: string;
let env: NodeJS.ProcessEnv;

function stella(...args: string[]): Promise<Run> {
  return runStella(args, { env, cwd: root });
}

/** The one-line messages of a run (stderr is JSON lines when not a terminal). */
function messages(run: Run, level: string): string[] {
  return run.stderr
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: string; msg: string })
    .filter((line) => line.level === level)
    .map((line) => line.msg);
}

const repoDir = (): string => join(root, 'state');
const debianBase = (): string => join(imagesDir, 'debian-base.oci.tar');
const debianNode = (): string => join(imagesDir, 'debian-node.oci.tar');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-coverage-'));
  env = { ...process.env, STELLA_HOME: join(root, 'home'), STELLA_NODE: 'cov-node', STELLA_REPO: repoDir() };
  delete env['STELLA_CONFIG'];
  const init = await stella('init', repoDir());
  expect(init.code, init.stderr).toBe(0);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('with no advisories imported', () => {
  it('--exit-code fails, saying why in one line; --allow-unchecked lets it pass', async () => {
    const gated = await stella('scan', debianBase(), '--exit-code', '4');
    expect(gated.code).toBe(4);
    const errors = messages(gated, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^--exit-code 4: 88 of 88 components not checked \(88 deb in Debian:12: no advisories imported\); pass --allow-unchecked to gate on the checked ones only$/);
    expect(gated.stdout).toContain('88 deb packages (Debian 12): no advisories for Debian:12 imported — not checked');

    const allowed = await stella('scan', debianBase(), '--exit-code', '4', '--allow-unchecked');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(messages(allowed, 'error')).toEqual([]);
  });

  it('without --exit-code the scan still exits 0, and the JSON report records every component as unchecked', async () => {
    const result = await stella('scan', debianBase(), '--format', 'json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.coverage.ecosystems).toEqual([{ ecosystem: 'Debian:12', type: 'deb', components: 88, checked: 0, advisories: 0 }]);
    expect(report.coverage.unchecked).toHaveLength(88);
    expect(report.coverage.unchecked.every((u) => u.reason === 'no-advisories' && u.ecosystem === 'Debian:12')).toBe(true);
    // Not on stdout in a table here, so said on stderr.
    expect(messages(result, 'warn')).toContain('88 deb packages (Debian 12): no advisories for Debian:12 imported — not checked');
  });
});

describe('an empty target', () => {
  it('is a warning in the report, and a failure under --exit-code even with --allow-unchecked', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty, { recursive: true });
    const plain = await stella('scan', empty, '--format', 'json');
    expect(plain.code, plain.stderr).toBe(0);
    const report = JSON.parse(plain.stdout) as Report;
    expect(report.summary.components).toBe(0);
    expect(report.warnings).toContain('empty: no components found, so nothing was checked');

    const gated = await stella('scan', empty, '--exit-code', '3', '--allow-unchecked');
    expect(gated.code).toBe(3);
    expect(gated.stdout).toContain('Coverage: no components found: nothing was checked');
    expect(messages(gated, 'error')).toEqual(['--exit-code 3: empty: no components found, so nothing was checked']);
  });
});

describe('feed import of a file that is not a feed', () => {
  it.each([
    ['notes.txt', 'These are my notes.\nNot an advisory.\n'],
    ['package.json', '{"name":"not-an-advisory","version":"1.0.0"}\n'],
  ])('%s exits 2 with one line naming it, and commits nothing', async (name, content) => {
    const file = join(root, name);
    await writeFile(file, content);
    const refsBefore = await git(repoDir(), 'for-each-ref');
    const headBefore = await git(repoDir(), 'rev-parse', 'HEAD');
    const result = await stella('feed', 'import', file);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    // The list of kinds comes from the connector registry, so it grows with it.
    expect(lines[0]).toContain(`${file}: not a recognised feed (expected an OSV record JSON, an OSV zip or folder, or `);
    for (const connector of defaultConnectors.connectors) expect(lines[0]).toContain(connector.description);
    expect(lines[0]).toMatch(/; nothing imported/);
    expect(await git(repoDir(), 'rev-parse', 'HEAD')).toBe(headBefore);
    expect(await git(repoDir(), 'for-each-ref')).toBe(refsBefore);
  });
});

describe('with npm advisories only', () => {
  beforeAll(async () => {
    const imported = await stella('feed', 'import', join(sharedData, 'osv', 'npm', 'all.zip'));
    expect(imported.code, imported.stderr).toBe(0);
  });

  it('records npm as checked against its advisories and the Debian packages as not checked, in the table and the JSON', async () => {
    const json = await stella('scan', debianNode(), '--format', 'json');
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as Report;
    expect(report.coverage.ecosystems).toEqual([
      { ecosystem: 'Debian:12', type: 'deb', components: 110, checked: 0, advisories: 0 },
      { ecosystem: 'npm', type: 'npm', components: 67, checked: 67, advisories: 170 },
    ]);
    expect(report.coverage.unchecked.map((u) => u.type)).toEqual(Array(110).fill('deb'));

    const table = await stella('scan', debianNode());
    const tail = table.stdout.trimEnd().split('\n').slice(-2);
    expect(tail).toEqual(['Coverage: 67 of 177 components checked (npm: 67 against 170 advisories)', '110 deb packages (Debian 12): no advisories for Debian:12 imported — not checked']);
  });

  it('a report of the same inputs is byte-identical', async () => {
    const a = await stella('scan', debianNode(), '--format', 'json');
    expect(a.stdout).toContain('\n"coverage":{\n"ecosystems":[\n');
    const again = await stella('scan', debianNode(), '--format', 'json');
    expect(again.stdout).toBe(a.stdout);
  });

  it('a checked and clean project passes --exit-code; unchecked OS packages with no findings fail it', async () => {
    const project = join(root, 'project');
    await mkdir(project, { recursive: true });
    await writeFile(
      join(project, 'package-lock.json'),
      JSON.stringify({ name: 'p', lockfileVersion: 3, requires: true, packages: { '': { name: 'p', dependencies: { 'left-pad': '1.3.0' } }, 'node_modules/left-pad': { version: '1.3.0' } } }),
    );
    const clean = await stella('scan', project, '--exit-code', '1');
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain('Coverage: all 1 components checked (npm: 1 against 170 advisories)');

    const os = await stella('scan', debianBase(), '--exit-code', '5');
    expect(os.code).toBe(5);
    expect(messages(os, 'error')).toEqual(['--exit-code 5: 88 of 88 components not checked (88 deb in Debian:12: no advisories imported); pass --allow-unchecked to gate on the checked ones only']);
  });

  it('an OS whose package database is not read: said in the report and the table, and it fails --exit-code', async () => {
    // SLES 15 keeps its rpm database as ndb (Packages.db), which is not read: only the npm lockfile yields components.
    const sles = join(root, 'sles');
    await mkdir(join(sles, 'etc'), { recursive: true });
    await mkdir(join(sles, 'usr', 'lib', 'sysimage', 'rpm'), { recursive: true });
    await writeFile(join(sles, 'etc', 'os-release'), 'NAME="SLES"\nVERSION_ID="15.5"\nID="sles"\nPRETTY_NAME="SUSE Linux Enterprise Server 15 SP5"\n');
    await writeFile(join(sles, 'usr', 'lib', 'sysimage', 'rpm', 'Packages.db'), 'RpmP\u0000\u0000\u0000\u0000');
    await writeFile(
      join(sles, 'package-lock.json'),
      JSON.stringify({ name: 'p', lockfileVersion: 3, requires: true, packages: { '': { name: 'p', dependencies: { 'left-pad': '1.3.0' } }, 'node_modules/left-pad': { version: '1.3.0' } } }),
    );
    const line = 'SUSE Linux Enterprise Server 15 SP5: no OS packages found (no package database, or one in a format not read) — not checked';
    const json = await stella('scan', sles, '--format', 'json');
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as Report).warnings).toContain(`sles: ${line}`);

    const gated = await stella('scan', sles, '--exit-code', '6');
    expect(gated.code).toBe(6);
    expect(gated.stdout).toContain(line);
    expect(messages(gated, 'error')).toEqual([`--exit-code 6: sles: ${line}; pass --allow-unchecked to gate on the checked ones only`]);

    const allowed = await stella('scan', sles, '--exit-code', '6', '--allow-unchecked');
    expect(allowed.code, allowed.stderr).toBe(0);
  });
});
