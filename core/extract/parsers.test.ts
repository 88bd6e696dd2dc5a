/**
 * The parser libraries behind YAML, TOML and XML files load when such a
 * file is first parsed, not when the registry is imported: a cold scan
 * imports every extractor. Checked in a fresh Node process on the compiled
 * registry (the global setup builds dist/), with a module-resolution hook
 * that reports every module the process resolves.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../test/helpers/paths.js';

const LAZY_LIBRARIES = ['fast-xml-parser', 'smol-toml', 'yaml'];

/** Reports each resolved URL to the main thread (hooks run on their own thread). */
const HOOKS = `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  port.postMessage(result.url);
  return result;
}`;

/**
 * Imports the registry, lists the packages loaded so far, extracts one file
 * of each lazy format, and lists again. A marker import flushes the hook's
 * messages: the port delivers in order, so once the marker is seen every
 * earlier resolution has been reported.
 */
const PROBE = `
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const seen = [];
let waiting;
port1.on('message', (url) => { seen.push(url); if (waiting && url === waiting.url) waiting.done(); });
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: { port: port2 }, transferList: [port2] });
let markers = 0;
async function packagesSoFar() {
  const url = 'data:text/javascript,' + encodeURIComponent('// marker ' + ++markers);
  const arrived = new Promise((done) => { waiting = { url, done }; });
  await import(url);
  await arrived;
  const names = seen.filter((u) => u.includes('/node_modules/')).map((u) => {
    const [scope, name] = u.split('/node_modules/').at(-1).split('/');
    return scope.startsWith('@') ? scope + '/' + name : scope;
  });
  return [...new Set(names)].sort();
}
const { defaultRegistry } = await import(process.argv[1]);
const afterImport = await packagesSoFar();
const encode = (text) => new TextEncoder().encode(text);
const files = [
  ['pnpm-lockfile', 'pnpm-lock.yaml', "lockfileVersion: '9.0'\\npackages:\\n  a@1.0.0: {}\\n"],
  ['cargo-lock', 'Cargo.lock', '[[package]]\\nname = "a"\\nversion = "1.0.0"\\n'],
  ['maven-pom', 'pom.xml', '<project><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId><version>1</version></dependency></dependencies></project>'],
];
const extracted = [];
for (const [name, path, text] of files) {
  const { packages } = await defaultRegistry.byName(name).extract({ path, contents: encode(text) });
  extracted.push(...packages.map((p) => p.name + '@' + p.version));
}
process.stdout.write(JSON.stringify({ afterImport, afterExtract: await packagesSoFar(), extracted }));
port1.close();
`;

function probe(module: string): { afterImport: string[]; afterExtract: string[]; extracted: string[] } {
  const url = pathToFileURL(join(projectRoot, 'dist', module)).href;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', PROBE, url], { cwd: projectRoot, encoding: 'utf8' });
  return JSON.parse(out) as { afterImport: string[]; afterExtract: string[]; extracted: string[] };
}

describe('parser libraries load on first use', () => {
  it('importing the registry loads none of them; extracting a YAML, a TOML and an XML file loads each', () => {
    const { afterImport, afterExtract, extracted } = probe('core/extract/registry.js');
    // The hook sees the registry's eager packages (fflate for archives), so an empty list is not a blind probe.
    expect(afterImport).toContain('fflate');
    for (const library of LAZY_LIBRARIES) expect(afterImport).not.toContain(library);
    expect(extracted).toEqual(['a@1.0.0', 'a@1.0.0', 'g:a@1']);
    expect(afterExtract).toEqual(expect.arrayContaining(LAZY_LIBRARIES));
  });
});
