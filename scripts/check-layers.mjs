#!/usr/bin/env node
// Enforces the dependency direction written in the folder READMEs:
//   core/   Web-standard only: no Node builtins, no Node-only packages,
//           nothing from agent/ or edge/, no Node types in its program
//   edge/   may import core/, never agent/; no Node builtins or Node-only packages
//   agent/  may import core/, never edge/
//   shipped code imports no test code and no devDependency
// and the house rules: no `any`, no @ts-ignore. Test files may use Node.
//
// Every file is read whole with TypeScript's scanner (scripts/layers/), so
// multi-line imports, re-exports, `import()` and `require()` are all seen,
// and nothing inside a string or comment is mistaken for one. A Node global
// (Buffer, process) is the type checker's job: core/tsconfig.json has no Node
// types, and the last step here makes sure no package smuggles them in.
//
// Usage: node scripts/check-layers.mjs [project-root]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeTypesProblems } from './layers/node-types.mjs';
import { moduleReferences } from './layers/references.mjs';
import { fileProblems } from './layers/rules.mjs';
import { tokenize } from './layers/tokens.mjs';

const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const devOnly = new Set(Object.keys(manifest.devDependencies ?? {}).filter((name) => !(name in (manifest.dependencies ?? {}))));
const problems = [];
const TEST_LIKE = /(^|[-_./])(tests?|testing|test-support|fixtures?|mocks?|fakes?)([-_.]|$)/;

function lineOf(text, pos) {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

function check(full) {
  const rel = relative(root, full);
  const layer = rel.split('/')[0];
  const isTest = /\.test(-helper)?\.ts$/.test(rel);
  // The build leaves out *.test.ts and *.test-helper.ts only; a helper named otherwise ships in dist/.
  if (!isTest && TEST_LIKE.test(rel)) problems.push(`${rel}: looks like test code but ships in dist/: name it *.test-helper.ts`);
  const text = readFileSync(full, 'utf8');
  const scanned = tokenize(text);
  for (const p of fileProblems({ root, rel, layer, isTest, devOnly }, scanned, moduleReferences(scanned.tokens, scanned.comments))) {
    problems.push(`${rel}:${lineOf(text, p.pos)}: ${p.message}`);
  }
}

function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) check(full);
  }
}

for (const dir of ['core', 'agent', 'edge']) walk(join(root, dir));
problems.push(...nodeTypesProblems(root, ['core', 'edge']));
if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`check-layers: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('check-layers: core/, agent/ and edge/ respect their import rules');
