/**
 * The node a repository was set up for, through the real CLI: `stella init
 * --node` remembers it, every command uses it (unless --node or STELLA_NODE
 * says otherwise), `stella config` shows and changes it, and `scan --commit`
 * refuses — with the command that fixes it — a key not enrolled for that node.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runStella, type CliRun } from '../../../test/helpers/cli.js';
import { git } from '../../../test/helpers/repo.js';

let root: string;
let state: string;
let sbom: string;
const stella = (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<CliRun> => runStella(args, { env: cliEnv(root, { STELLA_REPO: state, ...extra }), cwd: root });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-config-'));
  state = join(root, 'state');
  sbom = join(root, 'app.cdx.json');
  await writeFile(sbom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ type: 'library', name: 'left-pad', version: '1.0.0', purl: 'pkg:npm/left-pad@1.0.0' }] }));
  const init = await runStella(['init', state, '--node', 'edge-1'], { env: cliEnv(root), cwd: root });
  expect(init.code, init.stderr).toBe(0);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('the node of a state repository', () => {
  it('init --node keeps the node in the clone, and scan --commit signs as that node so verify passes', async () => {
    expect((await git(state, 'config', 'stella.node')).trim()).toBe('edge-1');
    expect((await stella(['config', 'get', 'node'])).stdout).toBe('edge-1\n');
    const scanned = await stella(['scan', '--commit', sbom]);
    expect(scanned.code, scanned.stderr).toBe(0);
    expect(await git(state, 'branch', '--list', 'agents/*')).toContain('agents/edge-1');
    const verified = await stella(['verify']);
    expect(verified.code, verified.stderr).toBe(0);
  });

  it('--node beats STELLA_NODE, which beats the repository, which beats the config file', async () => {
    await writeFile(join(root, 'home', 'config.yaml'), 'node: from-file\n');
    try {
      expect((await stella(['config', 'get', 'node'])).stdout).toBe('edge-1\n');
      expect((await stella(['config', 'get', 'node'], { STELLA_NODE: 'from-env' })).stdout).toBe('from-env\n');
      const list = await stella(['config', 'list'], { STELLA_NODE: 'from-env' });
      expect(list.stdout).toContain('node=from-env  ($STELLA_NODE)');
      const elsewhere = await runStella(['config', 'get', 'node'], { env: cliEnv(root), cwd: root });
      expect(elsewhere.stdout).toBe('from-file\n');
    } finally {
      await rm(join(root, 'home', 'config.yaml'));
    }
  });

  it('scan --commit as a node the key is not enrolled for exits 2 with the exact enroll command, which then makes it work', async () => {
    const set = await stella(['config', 'set', 'node', 'edge-2']);
    expect(set.code, set.stderr).toBe(0);
    expect((await git(state, 'config', 'stella.node')).trim()).toBe('edge-2');
    const refused = await stella(['scan', '--commit', sbom]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is not enrolled for node edge-2 in trust\/root\.json on main, so `stella verify` would reject this report \(it is enrolled for node edge-1: pass --node edge-1\)/);
    expect(await git(state, 'branch', '--list', 'agents/edge-2')).toBe('');
    const command = /an admin runs: (stella trust enroll --node edge-2 --key \S+\.pub\.pem)$/m.exec(refused.stderr)?.[1];
    expect(command).toBeDefined();
    const enrolled = await stella((command as string).split(' ').slice(1));
    expect(enrolled.code, enrolled.stderr).toBe(0);
    const scanned = await stella(['scan', '--commit', sbom]);
    expect(scanned.code, scanned.stderr).toBe(0);
    expect((await stella(['verify'])).code).toBe(0);
    expect((await stella(['scan', '--commit', '--node', 'edge-3', sbom])).code).toBe(2);
  });

  it('config set --global and config set repo write the config file; bad names and keys are refused', async () => {
    expect((await stella(['config', 'set', '--global', 'node', 'fleet-default'])).code).toBe(0);
    expect((await stella(['config', 'set', 'repo', state])).code).toBe(0);
    expect(await readFile(join(root, 'home', 'config.yaml'), 'utf8')).toBe(`node: fleet-default\nrepo: ${state}\n`);
    const viaFile = await runStella(['config', 'get', 'repo'], { env: cliEnv(root), cwd: root });
    expect(viaFile.stdout).toBe(`${state}\n`);
    expect((await stella(['config', 'set', 'node', '../x'])).code).toBe(2);
    const unknown = await stella(['config', 'get', 'colour']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown setting 'colour' (settings: repo, node)");
  });
});
