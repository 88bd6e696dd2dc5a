// Finds every module a file refers to, from its tokens: static imports and
// re-exports (on one line or many), side-effect imports, `import x =
// require()`, `require()`, dynamic `import()` (with a literal specifier or a
// computed one, which no checker can follow) and triple-slash references.
import { SyntaxKind as K } from './tokens.mjs';
import { tokenIsIdentifierOrKeyword } from 'typescript/unstable/ast/scanner';

/**
 * @typedef {import('./tokens.mjs').Token} Token
 * @typedef {{ spec: string, pos: number, how: 'static' | 'dynamic' | 'computed' | 'require' | 'reference-types' | 'reference-path' | 'reference-lib', typeOnly: boolean }} ModuleReference
 */

const LITERALS = new Set([K.StringLiteral, K.NoSubstitutionTemplateLiteral]);
const MEMBER_ACCESS = new Set([K.DotToken, K.QuestionDotToken]);

const isLiteral = (token) => token !== undefined && LITERALS.has(token.kind);

/** Index of the literal after `( literal )` starting at `i`, or -1. */
function literalCall(tokens, i) {
  return tokens[i]?.kind === K.OpenParenToken && isLiteral(tokens[i + 1]) ? i + 1 : -1;
}

/**
 * The import or export clause starting at `i` (after `import`/`export` and
 * an optional `type`): names, braces, commas, `*` and quoted names, then
 * `from 'x'` or `= require('x')`. Returns the specifier's token index or -1.
 */
function clauseSource(tokens, i) {
  let depth = 0;
  for (let k = i; k < tokens.length; k += 1) {
    const t = tokens[k];
    if (t.kind === K.FromKeyword && depth === 0 && isLiteral(tokens[k + 1])) return k + 1;
    if (t.kind === K.OpenBraceToken) depth += 1;
    else if (t.kind === K.CloseBraceToken) depth -= 1;
    else if (t.kind === K.EqualsToken && depth === 0) {
      return tokens[k + 1]?.text === 'require' ? literalCall(tokens, k + 2) : -1;
    } else if (!(tokenIsIdentifierOrKeyword(t.kind) || t.kind === K.CommaToken || t.kind === K.AsteriskToken || (depth > 0 && isLiteral(t)))) {
      return -1;
    }
    if (depth < 0) return -1;
  }
  return -1;
}

/** `import type {…}` / `export type {…}` — but not `import type from 'x'`, a default import named `type`. */
function typeOnlyAt(tokens, i) {
  return tokens[i]?.kind === K.TypeKeyword && !(tokens[i + 1]?.kind === K.FromKeyword && isLiteral(tokens[i + 2])) && tokens[i + 1]?.kind !== K.CommaToken;
}

function importAt(tokens, i) {
  const next = tokens[i + 1];
  if (next === undefined || next.kind === K.DotToken) return undefined; // import.meta
  if (next.kind === K.OpenParenToken) {
    const typeOnly = tokens[i - 1]?.kind === K.TypeOfKeyword;
    return isLiteral(tokens[i + 2]) ? { at: i + 2, how: 'dynamic', typeOnly } : { at: i, how: 'computed', typeOnly };
  }
  if (isLiteral(next)) return { at: i + 1, how: 'static', typeOnly: false };
  const typeOnly = typeOnlyAt(tokens, i + 1);
  const at = clauseSource(tokens, typeOnly ? i + 2 : i + 1);
  return at < 0 ? undefined : { at, how: tokens[at - 2]?.text === 'require' ? 'require' : 'static', typeOnly };
}

function exportAt(tokens, i) {
  const typeOnly = typeOnlyAt(tokens, i + 1);
  const start = typeOnly ? i + 2 : i + 1;
  if (tokens[start]?.kind !== K.OpenBraceToken && tokens[start]?.kind !== K.AsteriskToken) return undefined;
  const at = clauseSource(tokens, start);
  return at < 0 ? undefined : { at, how: 'static', typeOnly };
}

const REFERENCE = /^\/\/\/\s*<reference\s+(types|path|lib)\s*=\s*["']([^"']+)["']/;

/**
 * @param {Token[]} tokens
 * @param {{ text: string, pos: number }[]} comments
 * @returns {ModuleReference[]}
 */
export function moduleReferences(tokens, comments) {
  const found = [];
  tokens.forEach((t, i) => {
    if (MEMBER_ACCESS.has(tokens[i - 1]?.kind)) return; // x.import(…), x.require(…)
    let hit;
    if (t.kind === K.ImportKeyword) hit = importAt(tokens, i);
    else if (t.kind === K.ExportKeyword) hit = exportAt(tokens, i);
    else if (t.kind === K.Identifier && t.text === 'require') {
      const at = literalCall(tokens, i + 1);
      if (at >= 0) hit = { at, how: 'require', typeOnly: false };
    }
    if (hit === undefined) return;
    const token = tokens[hit.at];
    found.push({ spec: hit.how === 'computed' ? '' : token.value, pos: token.pos, how: hit.how, typeOnly: hit.typeOnly });
  });
  for (const comment of comments) {
    const m = REFERENCE.exec(comment.text);
    if (m) found.push({ spec: m[2], pos: comment.pos, how: `reference-${m[1]}`, typeOnly: true });
  }
  return found;
}
