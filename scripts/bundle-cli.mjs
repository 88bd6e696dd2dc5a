#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/agent/cli/main.js, from `tsc -b`) into
 * dist/cli/: `stella.cjs` and the chunks its lazy imports load, as
 * CommonJS. `npm run build` runs it after tsc; bin/stella.js loads the
 * bundle through dist/agent/cli/bundle-loader.js.
 *
 * Why a bundle: a `stella scan` loads about 650 module files (ours and the
 * libraries'), and Node resolves, reads, lexes and compiles each one on the
 * main thread while the layers inflate. Measured on a cold scan of
 * debian-node: loading took about 0.4 s of that thread and 0.7 s of CPU
 * unbundled, 0.1 s and 0.2 s bundled (bench/cold-scan.mjs). Dynamic imports
 * stay separate chunks (splitting), so a command still loads only what it
 * runs, and the YAML, TOML and XML parsers only when a file needs them.
 *
 * Why CommonJS: Node 20 compiles an ES module from source on every run, but
 * a script can be compiled with V8's cached data from an earlier run
 * (bundle-loader.ts says what that saves). esbuild splits ES modules only,
 * so it bundles in two passes: ES module chunks into a staging folder, then
 * each chunk alone into CommonJS, its `import()` of another chunk becoming
 * a `require()` in a promise. Source maps carry through both passes.
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
import { readdirSync, rmSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist', 'cli');

/** Packages that locate files relative to their own modules. */
const LOCATE_OWN_FILES = ['sql.js', '@open-policy-agent/opa-wasm'];

/**
 * classic-level (under `level`, on every scan's path) finds its native addon
 * from its own folder, in binding.js: only that module stays outside, so the
 * rest of it, and abstract-level under it, load from the bundle with the code
 * cache. The package has no `exports` map, so its files can be required by path.
 */
const classicLevelBinding = {
  name: 'classic-level-binding',
  setup(build) {
    build.onResolve({ filter: /^\.\/binding$/ }, ({ importer }) =>
      importer.split(sep).includes('classic-level') ? { path: 'classic-level/binding.js', external: true } : undefined,
    );
  },
};
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

/** Both passes: Node 20's syntax, `.cjs` names (the package's `.js` files are ES modules), linked source maps. */
const common = { platform: 'node', target: 'node20', outExtension: { '.js': '.cjs' }, sourcemap: 'linked', logLevel: 'warning' };

rmSync(outdir, { recursive: true, force: true });
// Inside dist/, so the source maps of chunks that only re-export (they map to their staging file) name no folder outside it.
const staging = join(root, 'dist', 'cli-staging');
rmSync(staging, { recursive: true, force: true });
try {
  const { metafile } = await build({
    ...common,
    entryPoints: { stella: join(root, 'dist', 'agent', 'cli', 'main.js') },
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    external: [...LOCATE_OWN_FILES, ...OPTIONAL_PLUGINS],
    plugins: [classicLevelBinding],
    // The module's own URL, for the code that finds the package root from it; the second pass defines it.
    define: { 'import.meta.url': '__stellaModuleUrl' },
    // tsc's source maps are read in, so stack traces (node --enable-source-maps) point at the TypeScript.
    metafile: true,
  });
  checkLazyCommonJs(metafile);
  await build({
    ...common,
    entryPoints: readdirSync(staging).filter((name) => name.endsWith('.cjs')).map((name) => join(staging, name)),
    outdir,
    bundle: false,
    format: 'cjs',
    // `import('./chunk-….cjs')` becomes `Promise.resolve().then(() => __toESM(require('./chunk-….cjs')))`.
    supported: { 'dynamic-import': false },
    banner: { js: "const __stellaModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
} finally {
  rmSync(staging, { recursive: true, force: true });
}

/** Fails the build on a lazily imported CommonJS package our code does not take from `.default`. */
function checkLazyCommonJs(metafile) {
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
}
