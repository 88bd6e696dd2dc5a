#!/usr/bin/env node
// Entry point of the `stella` command: runs the bundled CLI, dist/cli/stella.js.
// `npm ci` builds it through the `prepare` script (tsc, then scripts/bundle-cli.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/stella.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('stella: the CLI is not built yet; run `npm run build` in the project folder\n');
  process.exit(2);
}
// `stella … | head` closes the pipe early: that is the reader's choice, not an error to print.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { run } = await import(main.href);
process.exitCode = await run(process.argv);
