/**
 * Severity, KEV and the table through the compiled `stella`, as a user runs
 * it: a Python project with old requests and salt pins, the real PyPI OSV
 * feed (its PYSEC records mostly carry no severity), the real CISA KEV
 * catalog (it lists three of salt's flaws) and four real NVD records
 * (core/feeds/nvd/testdata, provenance in its NOTICE).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../core/model/report.js';
import { projectRoot, sharedData } from './helpers/paths.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let root: string;
let env: NodeJS.ProcessEnv;

function run(file: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...env, ...extraEnv }, cwd: root, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}
const stella = (...args: string[]): Promise<Run> => run(process.execPath, [join(projectRoot, 'bin', 'stella.js'), ...args]);

/** `stella` on a pseudo-terminal `columns` wide (util-linux `script`), as a person at a terminal sees it. */
function onTerminal(columns: number, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const quoted = [process.execPath, join(projectRoot, 'bin', 'stella.js'), ...args].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  return run('script', ['-qec', `stty cols ${columns} rows 50; ${quoted} 2>/dev/null`, '/dev/null'], extraEnv);
}

const project = (): string => join(root, 'project');
const repoDir = (): string => join(root, 'state');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-severity-'));
  env = { ...process.env, STELLA_HOME: join(root, 'home'), STELLA_NODE: 'sev-node', STELLA_REPO: repoDir() };
  delete env['STELLA_CONFIG'];
  delete env['NO_COLOR'];
  await mkdir(project());
  await writeFile(join(project(), 'requirements.txt'), 'requests==2.2.1\nsalt==3000.1\n');
  const cves = ['CVE-2014-1829', 'CVE-2023-32681', 'CVE-2024-3400', 'CVE-2025-0108'];
  const vulnerabilities = await Promise.all(cves.map(async (cve) => ({ cve: JSON.parse(await readFile(join(projectRoot, 'core', 'feeds', 'nvd', 'testdata', `${cve}.json`), 'utf8')) as unknown })));
  await writeFile(join(root, 'nvd.json'), JSON.stringify({ format: 'NVD_CVE', version: '2.0', vulnerabilities }));
  expect((await stella('init', repoDir())).code).toBe(0);
  const imported = await stella('feed', 'import', join(sharedData, 'osv', 'PyPI', 'all.zip'), join(sharedData, 'kev', 'known_exploited_vulnerabilities.json'), join(root, 'nvd.json'));
  expect(imported.code, imported.stderr).toBe(0);
}, 120_000);
afterAll(() => rm(root, { recursive: true, force: true }));

async function report(...args: string[]): Promise<{ run: Run; report: Report }> {
  const result = await stella('scan', project(), '--format', 'json', ...args);
  return { run: result, report: JSON.parse(result.stdout) as Report };
}

describe('severity from other feeds', () => {
  it('rates an unrated PYSEC finding with NVD by its CVE, and says so; UNKNOWN only where nothing rates it', async () => {
    const { run: result, report: scanned } = await report();
    expect(result.code, result.stderr).toBe(0);
    const netrc = scanned.findings.find((f) => f.id === 'PYSEC-2014-13');
    expect(netrc?.severity).toMatchObject({ level: 'MEDIUM', source: 'nvd', cvss: [{ type: 'CVSS_V2', vector: 'AV:N/AC:L/Au:N/C:P/I:N/A:N', score: 5 }] });
    for (const finding of scanned.findings.filter((f) => f.severity.level === 'UNKNOWN')) expect(finding.severity.source).toBe('none');
    expect(scanned.findings.filter((f) => f.kev !== undefined).map((f) => f.id).sort()).toEqual(['PYSEC-2020-102', 'PYSEC-2020-103', 'PYSEC-2020-104']);
  });
});

describe('--kev', () => {
  it('keeps KEV findings under --severity and fails the gate on them; without it they are filtered out', async () => {
    const plain = await report('--severity', 'CRITICAL', '--exit-code', '3');
    expect(plain.report.findings.some((f) => f.kev !== undefined)).toBe(false);
    expect(plain.report.summary.findings).toBe(plain.report.findings.length);
    const kev = await report('--severity', 'CRITICAL', '--kev', '--exit-code', '3');
    expect(kev.run.code).toBe(3);
    expect(kev.report.findings.filter((f) => f.kev !== undefined).map((f) => f.id).sort()).toEqual(['PYSEC-2020-102', 'PYSEC-2020-103', 'PYSEC-2020-104']);
    expect(kev.report.findings.every((f) => f.kev !== undefined || f.severity.level === 'CRITICAL')).toBe(true);
  });
});

describe('the table', () => {
  it('piped: counts what it shows, lists every id CVE first, KEV first within a level, no colour', async () => {
    const shown = await stella('scan', project(), '--severity', 'MEDIUM');
    expect(shown.code, shown.stderr).toBe(0);
    const lines = shown.stdout.split('\n');
    const medium = lines.filter((line) => /\bMEDIUM\b/.test(line) && !line.startsWith('2 components')).length;
    expect(lines[1]).toBe(`2 components, ${medium} findings (MEDIUM: ${medium})`);
    const at = lines.findIndex((line) => line.includes('CVE-2014-1829'));
    // CVEs first, then the advisory the finding is tracked by, then the other aliases.
    expect(lines[at + 1]?.trim()).toBe('PYSEC-2014-13');
    expect(lines[at + 2]?.trim()).toBe('GHSA-cfj3-7x9c-4p3h');
    expect(shown.stdout).not.toContain('\u001b[');

    const all = await stella('scan', project());
    const unknown = all.stdout.split('\n').filter((line) => /^\S+\s+\S+\s+UNKNOWN/.test(line));
    expect(unknown[0]).toMatch(/^salt\s+CVE-2020-\d+\s+UNKNOWN KEV/);
    expect(unknown[1]).toMatch(/UNKNOWN KEV/);
    expect(unknown[2]).toMatch(/UNKNOWN KEV/);
    expect(unknown.slice(3).every((line) => !line.includes('KEV'))).toBe(true);
  });

  it('on a 100-column terminal: fits, colours severities; NO_COLOR and --no-color turn colour off', async () => {
    const tty = await onTerminal(100, ['scan', project()]);
    expect(tty.code, tty.stdout).toBe(0);
    // eslint-disable-next-line no-control-regex
    const plain = tty.stdout.replace(/\u001b\[[0-9;]*m/g, '').replace(/\r/g, '');
    for (const line of plain.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(100);
    expect(tty.stdout).toContain('\u001b[33mMEDIUM\u001b[0m');
    expect(tty.stdout).toContain('\u001b[1;35mKEV\u001b[0m');
    expect((await onTerminal(100, ['scan', project()], { NO_COLOR: '1' })).stdout).not.toContain('\u001b[');
    expect((await onTerminal(100, ['scan', '--no-color', project()])).stdout).not.toContain('\u001b[');
    const file = join(root, 'out.txt');
    await onTerminal(100, ['scan', project(), '-o', file]);
    expect(await readFile(file, 'utf8')).not.toContain('\u001b[');
  });
});
