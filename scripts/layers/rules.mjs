// The dependency rules of the three parts, applied to one file's module
// references and tokens. Written down in core/README.md, edge/README.md and
// agent/README.md; the type checks (core/, edge/, agent/ tsconfig.json) catch
// what a reference list cannot (a Node global such as Buffer or process).
import { builtinModules } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { SyntaxKind as K } from './tokens.mjs';

const BUILTINS = new Set(builtinModules);

/**
 * Packages that run only on Node (native addons, Node streams, the file
 * system, `new Function`), so neither core/ nor edge/ may import them even
 * though they would type-check: the Worker would fail at run time.
 */
export const NODE_ONLY_PACKAGES = new Map([
  ['level', 'LevelDB through a native addon'],
  ['classic-level', 'a native addon'],
  ['yauzl', 'Node streams and file descriptors'],
  ['tar-stream', 'Node streams and Buffer'],
  ['@hono/node-server', "Node's http server"],
  ['commander', 'process.argv and process.exit'],
  ['isomorphic-git/http/node', "Node's http client"],
  ['@cyclonedx/cyclonedx-library/Validation', 'reads its JSON schemas from disk'],
  ['ajv', 'compiles schemas with new Function, which Workers forbid'],
  ['ajv-formats', 'an ajv plug-in'],
  ['ajv-formats-draft2019', 'an ajv plug-in'],
  ['@sigstore/verify', 'node:crypto'],
  ['@sigstore/sign', 'node:crypto'],
  ['sigstore', 'node:crypto and the network'],
]);

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function nodeOnlyReason(spec) {
  if (NODE_ONLY_PACKAGES.has(spec)) return NODE_ONLY_PACKAGES.get(spec);
  return NODE_ONLY_PACKAGES.get(packageName(spec));
}

const isBuiltin = (spec) => spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(packageName(spec));
const isTestPath = (rel) => /\.test(-helper)?\.ts$/.test(rel) || rel.split(sep)[0] === 'test';

/**
 * @param {{ root: string, rel: string, layer: string, isTest: boolean, devOnly: Set<string> }} file
 * @param {import('./references.mjs').ModuleReference} ref
 * @returns {string | undefined} what is wrong, if anything
 */
function referenceProblem(file, ref) {
  const { layer, isTest } = file;
  if (ref.how === 'computed') {
    return layer === 'agent' || isTest ? undefined : `${layer}/ must not import() a computed specifier: no checker can see what it loads`;
  }
  if (ref.how === 'reference-lib') return isTest || layer === 'agent' ? undefined : `${layer}/ must not widen its lib with /// <reference lib>`;
  if (ref.how === 'reference-types' && ref.spec === 'node' && layer !== 'agent' && !isTest) return `${layer}/ must not pull in Node's types`;
  const relativeSpec = ref.spec.startsWith('.') || ref.how === 'reference-path';
  if (relativeSpec) {
    const target = relative(file.root, join(dirname(join(file.root, file.rel)), ref.spec));
    const top = target.split(sep)[0];
    // core's tests may use agent/ to build real inputs (read a real image); what ships may not.
    if (layer === 'core' && !isTest && (top === 'agent' || top === 'edge')) return `core/ must not import from ${top}/`;
    if (layer === 'edge' && top === 'agent') return 'edge/ must not import from agent/';
    if (!isTest && file.rel.startsWith(`core${sep}model${sep}`) && !target.startsWith(`core${sep}model${sep}`)) {
      return `core/model/ is the bottom floor: it imports nothing else ('${ref.spec}')`;
    }
    if (layer === 'agent' && top === 'edge') return 'agent/ must not import from edge/';
    if (!isTest && isTestPath(target.replace(/\.js$/, '.ts'))) return `${layer}/ code that ships must not import test code ('${ref.spec}')`;
    return undefined;
  }
  if (ref.how === 'reference-types') return undefined;
  // One Git layer: everything else reaches Git objects through core/git's API (tests included).
  if (packageName(ref.spec) === 'isomorphic-git' && !file.rel.startsWith(`core${sep}git${sep}`)) {
    return `only core/git/ may import isomorphic-git ('${ref.spec}'): use GitStore or core/git's functions`;
  }
  if (isTest) return undefined;
  if (layer !== 'agent' && isBuiltin(ref.spec)) return `${layer}/ must not import the Node builtin '${ref.spec}' (Web-standard APIs only)`;
  const nodeOnly = layer === 'agent' ? undefined : nodeOnlyReason(ref.spec);
  if (nodeOnly !== undefined) return `${layer}/ must not import '${ref.spec}': it runs only on Node (${nodeOnly})`;
  if (!ref.typeOnly && file.devOnly.has(packageName(ref.spec))) return `'${ref.spec}' is a devDependency, but code that ships imports it`;
  return undefined;
}

/** `any` as a type: not a property (`Promise.any`), a key (`{ any: 1 }`) or a call (`any(…)`). */
function anyProblems(tokens) {
  const at = [];
  tokens.forEach((t, i) => {
    if (t.kind !== K.AnyKeyword) return;
    const before = tokens[i - 1]?.kind;
    const after = tokens[i + 1]?.kind;
    if (before === K.DotToken || before === K.QuestionDotToken || after === K.ColonToken || after === K.OpenParenToken) return;
    at.push(t.pos);
  });
  return at;
}

/**
 * Every problem in one file, as `{ pos, message }`.
 *
 * @param {{ root: string, rel: string, layer: string, isTest: boolean, devOnly: Set<string> }} file
 * @param {{ tokens: import('./tokens.mjs').Token[], comments: { text: string, pos: number }[] }} scanned
 * @param {import('./references.mjs').ModuleReference[]} refs
 */
export function fileProblems(file, scanned, refs) {
  const problems = [];
  for (const ref of refs) {
    const message = referenceProblem(file, ref);
    if (message !== undefined) problems.push({ pos: ref.pos, message });
  }
  for (const pos of anyProblems(scanned.tokens)) problems.push({ pos, message: "uses 'any'" });
  for (const c of scanned.comments) {
    if (/@ts-(ignore|nocheck)\b/.test(c.text)) problems.push({ pos: c.pos, message: 'suppresses type checking' });
  }
  return problems.sort((a, b) => a.pos - b.pos);
}
