#!/usr/bin/env node
// Entry point of the `stella` command: runs the compiled CLI from dist/.
// `npm ci` builds dist/ through the `prepare` script.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/agent/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('stella: the CLI is not built yet; run `npm run build` in the project folder\n');
  process.exit(2);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv);
