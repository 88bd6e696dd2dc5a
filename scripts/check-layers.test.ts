/**
 * `npm run lint` holds the layers: these tests build a small project in a
 * temporary folder from the real configuration (package.json, every
 * tsconfig, scripts/check-layers.mjs) and a few source files, break one rule
 * at a time, and run the real lint there. The project's own tree is never
 * touched.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../test/helpers/paths.js';

const run = promisify(execFile);

const CONFIG = ['package.json', 'tsconfig.base.json', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.workerd.json', 'core/tsconfig.json', 'agent/tsconfig.json', 'edge/tsconfig.json', 'scripts/check-layers.mjs', 'scripts/layers'];

/** A core file that looks like imports to a line-based reader, but holds none. */
const CORE_OK = `
const decoy = "import { readFileSync } from 'node:fs'";
const quote = /'node:fs'/.test(decoy) ? 1 / 2 : 0;
const nested = \`\${decoy.length > 1 ? \`\${ { a: 1 }.a }\` : '}'} import('node:fs')\`;
/** Web APIs only. */
export function greet(name: string): string {
  return \`\${new TextEncoder().encode(name).length} \${quote} \${nested}\`;
}
`;
const BASELINE: Record<string, string> = {
  'core/greet.ts': CORE_OK,
  'agent/main.ts': `import { existsSync } from 'node:fs';\nimport { greet } from '../core/greet.js';\nexport const size = greet(String(existsSync('.')));\n`,
  'edge/worker.ts': `import { greet } from '../core/greet.js';\nexport default { fetch: (request: Request): Response => new Response(greet(request.url)) };\n`,
  // npm run lint also type-checks the tests that run inside workerd (tsconfig.workerd.json).
  'edge/worker.workerd.test.ts': `import worker from './worker.js';\nexport const answer: Response = worker.fetch(new Request('https://edge.example/'));\n`,
};

const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function project(extra: Record<string, string> = {}, packages: Record<string, Record<string, string>> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stella-layers-'));
  made.push(dir);
  for (const path of CONFIG) await cp(join(projectRoot, path), join(dir, path), { recursive: true });
  if (Object.keys(packages).length === 0) {
    await symlink(join(projectRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  } else {
    // The real packages, linked one by one, beside made-up ones the test needs.
    await mkdir(join(dir, 'node_modules'));
    for (const name of await readdir(join(projectRoot, 'node_modules'))) await symlink(join(projectRoot, 'node_modules', name), join(dir, 'node_modules', name));
    for (const [name, files] of Object.entries(packages)) {
      for (const [file, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, 'node_modules', name, file)), { recursive: true });
        await writeFile(join(dir, 'node_modules', name, file), text);
      }
    }
  }
  for (const [path, text] of Object.entries({ ...BASELINE, ...extra })) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

/** Exit code and everything printed, of a command that may fail. */
async function outcome(command: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, maxBuffer: 16 << 20 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof code === 'number' ? code : -1, output: `${stdout ?? ''}${stderr ?? ''}` };
  }
}

const lint = (dir: string) => outcome('npm', ['run', 'lint'], dir);
const checkLayers = (dir: string) => outcome(process.execPath, [join(dir, 'scripts', 'check-layers.mjs'), dir], dir);

describe('npm run lint', () => {
  it('passes on a tree that keeps the rules, decoys in strings and templates included', async () => {
    const result = await lint(await project());
    expect(result.output).toContain('check-layers: core/, agent/ and edge/ respect their import rules');
    expect(result.code).toBe(0);
  });

  it('fails on a node:fs import in core/, even spread over several lines', async () => {
    const dir = await project({ 'core/disk.ts': `import {\n  readFileSync,\n} from 'node:fs';\nexport const read = readFileSync;\n` });
    const result = await lint(dir);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/core\/disk\.ts.*'node:fs'/);
    expect((await checkLayers(dir)).output).toContain("core/disk.ts:3: core/ must not import the Node builtin 'node:fs'");
  });

  it('fails on an agent/ import in edge/', async () => {
    const dir = await project({ 'edge/worker.ts': `import { size } from '../agent/main.js';\nexport default { fetch: (): Response => new Response(size) };\n` });
    const result = await lint(dir);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('edge/worker.ts');
    expect((await checkLayers(dir)).output).toContain('edge/worker.ts:1: edge/ must not import from agent/');
  });

  it('fails on a Node global used in core/: the type check has no Node types there', async () => {
    const dir = await project({ 'core/bytes.ts': `export const bytes = (text: string): Uint8Array => Buffer.from(text);\n` });
    const result = await lint(dir);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/core\/bytes\.ts\(1,\d+\): error TS\d+: Cannot find name 'Buffer'/);
  });

  it("fails when a package's types bring Node's globals into core/", async () => {
    // A package whose types say `/// <reference types="node" />` (as yauzl's and others' do) makes Buffer type-check in core/.
    const leaky = {
      'package.json': JSON.stringify({ name: 'leaky-types', version: '1.0.0', types: 'index.d.ts' }),
      'index.d.ts': '/// <reference types="node" />\nexport interface Entry { fileName: string }\n',
    };
    const dir = await project({ 'core/zip.ts': `import type { Entry } from 'leaky-types';\nexport const name = (entry: Entry): string => Buffer.from(entry.fileName).toString();\n` }, { 'leaky-types': leaky });
    const result = await lint(dir);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("core/tsconfig.json: Node's types (@types/node) are visible to core/, through core/zip.ts → node_modules/leaky-types/index.d.ts → node_modules/@types/node/index.d.ts");
  });
});

describe('check-layers', () => {
  it('sees dynamic, computed and require() imports, re-exports, Node-only packages and test code in what ships', async () => {
    const dir = await project({
      'core/dynamic.ts': 'export const load = async (name: string) => [await import(\n  "node:crypto"\n), await import(name), await import(`node:zlib`)];\n',
      'core/reexport.ts': `export {\n  pack,\n} from 'tar-stream';\nexport type { Level } from "level";\n`,
      'edge/server.ts': `import { serve } from '@hono/node-server';\nimport net = require('node:net');\nexport const s = [serve, net];\n`,
      'agent/cli.ts': `import { run } from '../edge/worker.js';\nimport { helper } from './x.test-helper.js';\nimport { describe } from 'vitest';\nexport const all = [run, helper, describe];\n`,
      'core/model/up.ts': `import type { greet } from '../greet.js';\nexport type G = typeof greet;\n`,
      'core/types.ts': `/// <reference types="node" />\nexport const t: any = 1;\n// @ts-ignore\nexport const u = Promise.any([]);\n`,
      'agent/objects.ts': `import git from 'isomorphic-git';\nexport const g = git;\n`,
    });
    const { code, output } = await checkLayers(dir);
    expect(code).toBe(1);
    const lines = output.split('\n').filter((line) => /^\w+\/.*:\d+: /.test(line));
    expect(lines).toEqual([
      "core/dynamic.ts:2: core/ must not import the Node builtin 'node:crypto' (Web-standard APIs only)",
      'core/dynamic.ts:3: core/ must not import() a computed specifier: no checker can see what it loads',
      "core/dynamic.ts:3: core/ must not import the Node builtin 'node:zlib' (Web-standard APIs only)",
      "core/model/up.ts:1: core/model/ is the bottom floor: it imports nothing else ('../greet.js')",
      "core/reexport.ts:3: core/ must not import 'tar-stream': it runs only on Node (Node streams and Buffer)",
      "core/reexport.ts:4: core/ must not import 'level': it runs only on Node (LevelDB through a native addon)",
      "core/types.ts:1: core/ must not pull in Node's types",
      "core/types.ts:2: uses 'any'",
      'core/types.ts:3: suppresses type checking',
      'agent/cli.ts:1: agent/ must not import from edge/',
      "agent/cli.ts:2: agent/ code that ships must not import test code ('./x.test-helper.js')",
      "agent/cli.ts:3: 'vitest' is a devDependency, but code that ships imports it",
      "agent/objects.ts:1: only core/git/ may import isomorphic-git ('isomorphic-git'): use GitStore or core/git's functions",
      "edge/server.ts:1: edge/ must not import '@hono/node-server': it runs only on Node (Node's http server)",
      "edge/server.ts:2: edge/ must not import the Node builtin 'node:net' (Web-standard APIs only)",
    ]);
  });
});
