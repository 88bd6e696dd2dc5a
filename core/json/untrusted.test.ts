import { describe, expect, it } from 'vitest';
import { checkNesting, checkTextNesting, parseUntrustedJson } from './untrusted.js';

/** The plain reading of the rule, a step per character: what the fast checks must agree with. */
function referenceDepthError(text: string, maxDepth: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      if (++depth > maxDepth) return i;
    } else if (c === ']' || c === '}') depth--;
  }
  return undefined;
}

/** Where checkTextNesting stops, as the character index its message names, or undefined when it passes. */
function textError(text: string, maxDepth: number): number | undefined {
  try {
    checkTextNesting('t.json', text, maxDepth);
    return undefined;
  } catch (error) {
    const match = /at character (\d+)$/.exec((error as Error).message);
    if (match === null) throw error;
    return Number(match[1]);
  }
}

/** A small deterministic generator (xorshift), so a failure names a seed that reproduces. */
function generator(seed: number): () => number {
  let state = seed || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const ALPHABET = ['[', ']', '{', '}', '"', '\\', 'a', ',', ':', '1', ' ', 'é', '"', '\\'];

describe('checkTextNesting', () => {
  it('agrees with the per-character rule on random bracket, quote and backslash soup', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const next = generator(seed);
      const length = 1 + Math.floor(next() * 60);
      let text = '';
      for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(next() * ALPHABET.length)];
      const maxDepth = Math.floor(next() * 4);
      expect({ seed, at: textError(text, maxDepth) }).toEqual({ seed, at: referenceDepthError(text, maxDepth) });
    }
  });

  it('skips brackets inside strings, across escaped quotes and runs of backslashes', () => {
    expect(textError('["[[[\\"[[[", "\\\\", [1]]', 2)).toBeUndefined();
    expect(textError('["\\\\\\"[[["]', 1)).toBeUndefined();
    expect(textError('["\\\\", [[1]]]', 2)).toBe(8);
    // A report carried as a string inside a submission: nothing in it counts.
    const report = JSON.stringify({ findings: [[[[[{ a: '"[{' }]]]]] });
    expect(textError(JSON.stringify({ report }), 1)).toBeUndefined();
  });

  it('names the character where the cap is passed, outside strings', () => {
    expect(() => checkTextNesting('deep.json', `${'['.repeat(300)}${']'.repeat(300)}`)).toThrow(/deep\.json: maximum nesting depth exceeded \(256\) at character 256$/);
  });

  it('leaves an unterminated string for JSON.parse to report', () => {
    expect(textError('[["abc', 5)).toBeUndefined();
    expect(() => parseUntrustedJson('cut.json', '[["abc')).toThrow(SyntaxError);
  });

  it('agrees with the byte check on the same text', () => {
    for (const text of ['[{"a":"]]]"}]', '[[["\\\\"]]]', '{"k":[[["x\\"[["]]]}']) {
      const bytes = new TextEncoder().encode(text);
      const viaBytes = (() => {
        try {
          checkNesting('b.json', bytes, 2);
          return 'ok';
        } catch {
          return 'deep';
        }
      })();
      expect(textError(text, 2) === undefined ? 'ok' : 'deep').toBe(viaBytes);
    }
  });
});
