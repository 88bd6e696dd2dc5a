// Turns a TypeScript file into its significant tokens and its comments, with
// TypeScript's own scanner, so that strings, comments, template literals and
// regular expressions are never mistaken for code (a per-line regex misses
// multi-line imports and is fooled by an import spelled inside a string).
//
// The scanner alone cannot tell `a / b` from `/re/` or the `}` that closes a
// `${…}` from one that closes a block: the parser decides that from context.
// We decide it from the previous token, the classic rule for JavaScript
// tokenisers: a `/` after something that ends an expression divides, anywhere
// else it opens a regular expression. The one case this misjudges — a regular
// expression as the first thing after a block's closing `}` — does not change
// which modules a file imports unless the expression contains a quote.
//
// The scanner comes from the compiler's `unstable` entry point: TypeScript is
// pinned to an exact version in package.json, so it cannot move under us.
import { createScanner, tokenIsIdentifierOrKeyword } from 'typescript/unstable/ast/scanner';
import { LanguageVariant, SyntaxKind as K } from 'typescript/unstable/ast';

export { K as SyntaxKind };

const SKIPPED = new Set([K.WhitespaceTrivia, K.NewLineTrivia, K.ShebangTrivia, K.ConflictMarkerTrivia]);
const COMMENTS = new Set([K.SingleLineCommentTrivia, K.MultiLineCommentTrivia]);

// Tokens after which `/` is a division: they end an operand.
const ENDS_OPERAND = new Set([
  K.NumericLiteral, K.BigIntLiteral, K.StringLiteral, K.RegularExpressionLiteral, K.NoSubstitutionTemplateLiteral,
  K.TemplateTail, K.CloseParenToken, K.CloseBracketToken, K.CloseBraceToken, K.PlusPlusToken, K.MinusMinusToken,
]);
// Keywords after which an expression starts, so `/` opens a regular expression.
const STARTS_OPERAND = new Set([
  K.ReturnKeyword, K.TypeOfKeyword, K.InstanceOfKeyword, K.InKeyword, K.OfKeyword, K.NewKeyword, K.DeleteKeyword,
  K.VoidKeyword, K.ThrowKeyword, K.CaseKeyword, K.DoKeyword, K.ElseKeyword, K.YieldKeyword, K.AwaitKeyword,
]);

function divides(previous) {
  if (previous === undefined) return false;
  if (ENDS_OPERAND.has(previous.kind)) return true;
  return tokenIsIdentifierOrKeyword(previous.kind) && !STARTS_OPERAND.has(previous.kind);
}

/**
 * @typedef {{ kind: number, text: string, value: string, pos: number }} Token
 * @param {string} text the whole file
 * @returns {{ tokens: Token[], comments: { text: string, pos: number }[] }}
 */
export function tokenize(text) {
  const scanner = createScanner(false, LanguageVariant.Standard, text);
  const tokens = [];
  const comments = [];
  const openBraces = []; // per `${` still open: how many `{` inside it are unclosed
  for (let kind = scanner.scan(); kind !== K.EndOfFile; kind = scanner.scan()) {
    if (SKIPPED.has(kind)) continue;
    if (COMMENTS.has(kind)) {
      comments.push({ text: scanner.getTokenText(), pos: scanner.getTokenStart() });
      continue;
    }
    if ((kind === K.SlashToken || kind === K.SlashEqualsToken) && !divides(tokens.at(-1))) kind = scanner.reScanSlashToken();
    else if (kind === K.OpenBraceToken && openBraces.length > 0) openBraces[openBraces.length - 1] += 1;
    else if (kind === K.CloseBraceToken && openBraces.length > 0) {
      if (openBraces.at(-1) === 0) {
        kind = scanner.reScanTemplateToken(false);
        if (kind === K.TemplateTail) openBraces.pop();
      } else openBraces[openBraces.length - 1] -= 1;
    }
    if (kind === K.TemplateHead) openBraces.push(0);
    tokens.push({ kind, text: scanner.getTokenText(), value: scanner.getTokenValue(), pos: scanner.getTokenStart() });
  }
  return { tokens, comments };
}
