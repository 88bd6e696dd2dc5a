#!/usr/bin/env node
// Entry point of the `stella` command: runs the bundled CLI, dist/cli/stella.cjs, through the loader
// that keeps its compiled code between runs (dist/agent/cli/bundle-loader.js).
// `npm ci` builds both through the `prepare` script (tsc, then scripts/bundle-cli.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/stella.cjs', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('stella: the CLI is not built yet; run `npm run build` in the project folder\n');
  process.exit(2);
}
// `stella … | head` closes the pipe early: that is the reader's choice, not an error to print.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { loadBundledCli } = await import('../dist/agent/cli/bundle-loader.js');
process.exitCode = await loadBundledCli(main).run(process.argv);
