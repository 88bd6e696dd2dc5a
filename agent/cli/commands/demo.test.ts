/**
 * `stella demo` as a newcomer runs it: both bundled samples scanned, OS
 * findings from the bundled Debian tracker excerpt beside the npm findings,
 * a coverage line for each, and a repository that verifies. The expected OS
 * findings are worked out here without Stella: GNU tar unpacks the sample,
 * the real `dpkg --compare-versions` compares each installed source version
 * with each fixed version of the excerpt.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runStella, type CliRun } from '../../../test/helpers/cli.js';
import { projectRoot, sharedData } from '../../../test/helpers/paths.js';
import { fsckStrict, git } from '../../../test/helpers/repo.js';

const run = promisify(execFile);
const SAMPLE = join(projectRoot, 'examples', 'sample-debian11.oci.tar');
const EXCERPT = join(projectRoot, 'examples', 'debian-security-tracker', 'DSA', 'list');
const REPORT = 'agents/demo-node:findings/demo-node/stella-mesh-sample-debian11-bullseye-slim-20230111/report.json';

interface Installed {
  name: string;
  source: string;
  sourceVersion: string;
}
interface TrackerEntry {
  id: string;
  text: string;
  cves: string[];
  bullseye: { source: string; fixed: string }[];
}
interface ReportFinding {
  id: string;
  name: string;
  aliases?: string[];
  installed: string;
  fixed?: string;
}

let root: string;
let demo: CliRun;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-demo-'));
  demo = await runStella(['demo', '--dir', join(root, 'demo')], { env: cliEnv(root), cwd: root });
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** The sample's dpkg status, unpacked with GNU tar from the OCI archive and its one layer. */
async function sampleStatus(): Promise<string> {
  const dir = join(root, 'unpacked');
  await run('mkdir', ['-p', dir]);
  await run('tar', ['-xf', SAMPLE, '-C', dir]);
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const blob = (digest: string): string => join(dir, 'blobs', 'sha256', digest.replace('sha256:', ''));
  const manifest = JSON.parse(await readFile(blob(index.manifests[0]?.digest ?? ''), 'utf8')) as { layers: { digest: string }[] };
  expect(manifest.layers).toHaveLength(1);
  const { stdout } = await run('tar', ['-xzOf', blob(manifest.layers[0]?.digest ?? ''), 'var/lib/dpkg/status']);
  return stdout;
}

function parseStatus(text: string): Installed[] {
  return text
    .split('\n\n')
    .filter((stanza) => stanza.trim() !== '')
    .map((stanza) => {
      const field = (name: string): string | undefined => new RegExp(`^${name}: (.*)$`, 'm').exec(stanza)?.[1];
      const name = field('Package') ?? '';
      const version = field('Version') ?? '';
      const source = /^(\S+)(?: \((\S+)\))?$/.exec(field('Source') ?? name);
      return { name, source: source?.[1] ?? name, sourceVersion: source?.[2] ?? version };
    });
}

function parseTracker(text: string): TrackerEntry[] {
  return text
    .split(/\n(?=\S)/)
    .filter((entry) => entry.trim() !== '')
    .map((entry) => ({
      id: /^\[[^\]]+\] (\S+)/.exec(entry)?.[1] ?? '',
      text: entry.replace(/\n+$/, ''),
      cves: (/^\s+\{(.*)\}$/m.exec(entry)?.[1] ?? '').split(' ').filter((cve) => cve !== ''),
      bullseye: [...entry.matchAll(/^\s+\[bullseye\] - (\S+) (\S+)/gm)].map((m) => ({ source: m[1] ?? '', fixed: m[2] ?? '' })),
    }));
}

/** The real dpkg's answer to "is a lower than b?". */
async function dpkgLessThan(a: string, b: string): Promise<boolean> {
  try {
    await run('dpkg', ['--compare-versions', a, 'lt', b]);
    return true;
  } catch {
    return false;
  }
}

describe('stella demo: OS and language findings', () => {
  it('runs both samples, prints DSA and GHSA findings and a coverage line for each, and verify passes', async () => {
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/GHSA-/);
    expect(demo.stdout).toMatch(/\n\d+ deb packages \(Debian 12\): no advisories for Debian:12 imported — not checked\n/);
    expect(demo.stdout).toMatch(/DSA-\d+-\d/);
    expect(demo.stderr).toMatch(/5\/5 stella verify: 2 reports, 1 feed manifests, 0 failures/);
    expect(demo.stdout.match(/^Signed report: .*findings\/demo-node\//gm)).toHaveLength(2);
    await fsckStrict(join(root, 'demo', 'state'));
  });

  it('the tracker excerpt is every entry of the real DSA list with a bullseye line for a source package of the sample, unchanged', async () => {
    const sources = new Set(parseStatus(await sampleStatus()).map((p) => p.source));
    const full = parseTracker(await readFile(join(sharedData, 'debian-security-tracker', 'DSA', 'list'), 'utf8'));
    const expected = full.filter((entry) => entry.bullseye.some((line) => sources.has(line.source))).map((entry) => entry.text);
    expect(expected.length).toBeGreaterThan(0);
    expect(parseTracker(await readFile(EXCERPT, 'utf8')).map((entry) => entry.text)).toEqual(expected);
  });

  it('reports exactly the DSA findings that dpkg --compare-versions finds, with their CVE aliases, and the Debian 11 coverage line', async () => {
    const installed = parseStatus(await sampleStatus());
    const excerpt = parseTracker(await readFile(EXCERPT, 'utf8'));
    const expected: string[] = [];
    for (const entry of excerpt) {
      for (const line of entry.bullseye) {
        for (const pkg of installed.filter((p) => p.source === line.source)) {
          if (await dpkgLessThan(pkg.sourceVersion, line.fixed)) expected.push(`${pkg.name} ${entry.id} ${[...entry.cves].sort().join(',')} fixed ${line.fixed}`);
        }
      }
    }
    expect(expected.length).toBeGreaterThan(0);

    const report = JSON.parse(await git(join(root, 'demo', 'state'), 'show', REPORT)) as { findings: ReportFinding[] };
    const found = report.findings.map((f) => `${f.name} ${f.id} ${[...(f.aliases ?? [])].sort().join(',')} fixed ${f.fixed ?? '-'}`);
    expect(found.sort()).toEqual(expected.sort());
    for (const finding of report.findings) expect(demo.stdout).toContain(finding.id);
    expect(demo.stdout).toContain(`Coverage: all ${installed.length} components checked (Debian:11: ${installed.length} against ${excerpt.length} advisories)\n`);
  });
});
