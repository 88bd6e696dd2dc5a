#!/usr/bin/env node
// Enforces the dependency direction written in the folder READMEs:
//   core/   Web-standard only: no node: builtins, nothing from agent/ or edge/
//   edge/   may import core/, never agent/
//   agent/  may import core/, never edge/
// and the house rules: no `any`, no @ts-ignore. Test files may use node:.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const problems = [];

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (name.endsWith('.ts')) check(full);
  }
}

function check(file) {
  const rel = relative(root, file);
  const layer = rel.split('/')[0];
  const isTest = /\.test(-helper)?\.ts$/.test(rel) || rel.includes('.test-helper.');
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const where = `${rel}:${i + 1}`;
    if (/(:\s*any\b|\bas any\b|<any>|any\[\])/.test(line) && !/^\s*(\/\/|\/?\*)/.test(line)) {
      problems.push(`${where}: uses 'any'`);
    }
    if (line.includes('@ts-ignore') || line.includes('@ts-nocheck')) problems.push(`${where}: suppresses type checking`);
    const m = /^\s*(?:import|export)\b[^'"]*from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/.exec(line);
    const spec = m && (m[1] ?? m[2] ?? m[3]);
    if (!spec) return;
    if (layer === 'core' && !isTest) {
      if (builtins.has(spec)) problems.push(`${where}: core/ must not import the Node builtin '${spec}' (Web-standard APIs only)`);
      if (/(^|\/)(agent|edge)\//.test(spec) && spec.startsWith('.')) problems.push(`${where}: core/ must not import from agent/ or edge/`);
    }
    if (layer === 'edge' && spec.startsWith('.') && /(^|\/)agent\//.test(spec)) problems.push(`${where}: edge/ must not import from agent/`);
    if (layer === 'agent' && spec.startsWith('.') && /(^|\/)edge\//.test(spec)) problems.push(`${where}: agent/ must not import from edge/`);
  });
}

for (const dir of ['core', 'agent', 'edge']) walk(join(root, dir));
if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`check-layers: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('check-layers: core/, agent/ and edge/ respect their import rules');
