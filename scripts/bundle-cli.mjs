#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/agent/cli/main.js, from `tsc -b`) into
 * dist/cli/: `stella.js` and the chunks its lazy imports load. `npm run
 * build` runs it after tsc; bin/stella.js runs the bundle.
 *
 * Why: a `stella scan` loads about 650 module files (ours and the libraries'),
 * and Node resolves, reads, lexes and compiles each one on the main thread
 * while the layers inflate. Measured on a cold scan of debian-node: loading
 * took about 0.4 s of that thread and 0.7 s of CPU unbundled, 0.1 s and
 * 0.2 s bundled (bench/cold-scan.mjs). Dynamic imports stay separate chunks
 * (splitting), so a command still loads only what it runs, and the YAML,
 * TOML and XML parsers only when a file needs them.
 *
 * Stays outside the bundle, loaded from node_modules as before:
 * - packages that find files beside their own code (a native addon, a wasm
 *   binary, a worker script), which a bundle would move;
 * - the optional plugins @cyclonedx/cyclonedx-library probes with `require`
 *   (validators, the XML writer): present or not, they behave as unbundled.
 * The OPA worker thread runs dist/agent/policy/opa/worker.js, unbundled
 * (worker-runner.ts finds it from the package root).
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist', 'cli');

/** Packages that locate files relative to their own modules. */
const LOCATE_OWN_FILES = ['classic-level', 'sql.js', '@open-policy-agent/opa-wasm'];
/** Optional plugins of @cyclonedx/cyclonedx-library, probed with require() at run time. */
const OPTIONAL_PLUGINS = ['ajv', 'ajv-formats', 'ajv-formats-draft2019', 'libxmljs2', 'xmlbuilder2'];

/**
 * CommonJS packages our code loads with `import()`. Split out, such a chunk
 * exports `default` only (esbuild does not give it the named exports Node
 * finds), so the code takes the module from `.default`, which works
 * unbundled too. The build fails on any other: a missing named export would
 * show up only when that lazy path runs.
 */
const COMMONJS_IMPORTED_LAZILY = ['isomorphic-git', 'yaml'];

rmSync(outdir, { recursive: true, force: true });
const { metafile } = await build({
  entryPoints: { stella: join(root, 'dist', 'agent', 'cli', 'main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: [...LOCATE_OWN_FILES, ...OPTIONAL_PLUGINS],
  // CommonJS libraries in an ES module bundle still call require() for Node's built-ins and the externals above.
  banner: { js: "import { createRequire as __stellaCreateRequire } from 'node:module'; const require = __stellaCreateRequire(import.meta.url);" },
  // tsc's source maps are read in, so stack traces (node --enable-source-maps) point at the TypeScript.
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});

const unchecked = [];
for (const output of Object.values(metafile.outputs)) {
  const entry = output.entryPoint ?? '';
  const commonJs = output.exports.length === 1 && output.exports[0] === 'default' && output.entryPoint !== undefined && /node_modules\//.test(entry);
  const name = entry.replace(/^.*node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, '$1');
  if (commonJs && !COMMONJS_IMPORTED_LAZILY.includes(name)) unchecked.push(name);
}
if (unchecked.length > 0) {
  console.error(`bundle-cli: import() of the CommonJS package(s) ${unchecked.join(', ')}: take the module from .default and list it in COMMONJS_IMPORTED_LAZILY (scripts/bundle-cli.mjs)`);
  process.exit(1);
}
