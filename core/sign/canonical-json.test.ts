import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonBytes } from './canonical-json.js';
import type { JsonValue } from './canonical-json.js';

describe('canonicalJson', () => {
  it('matches the RFC 8785 §3.2.3 example output byte for byte', () => {
    // Input as in the RFC; JSON.parse gives the numbers their IEEE-754 values.
    const input = JSON.parse(String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`) as JsonValue;
    expect(canonicalJson(input)).toBe(String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`);
  });

  it('sorts members by UTF-16 code units (RFC 8785 §3.2.3 sorting example)', () => {
    const input = JSON.parse(String.raw`{
      "\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis"
    }`) as Record<string, string>;
    // The RFC lists the values in this order; read the text, since JSON.parse would reorder "1".
    const text = canonicalJson(input);
    const positions = ['Carriage Return', 'One', 'Control', 'Latin Small', 'Euro Sign', 'Emoji', 'Hebrew'].map((v) => text.indexOf(v));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('writes nested values without whitespace and with sorted keys at every level', () => {
    expect(canonicalJson({ b: [1, { z: null, a: false }], a: { y: 'x', c: -0 } })).toBe('{"a":{"c":0,"y":"x"},"b":[1,{"a":false,"z":null}]}');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
    expect(new TextDecoder().decode(canonicalJsonBytes({ k: 'é' }))).toBe('{"k":"é"}');
  });

  it('leaves out members whose value is undefined, as JSON.stringify does', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });

  it('gives the same bytes whatever the insertion order', () => {
    expect(canonicalJson({ a: 1, b: 2, c: { x: 1, y: 2 } })).toBe(canonicalJson({ c: { y: 2, x: 1 }, b: 2, a: 1 }));
  });

  const refused: Array<[string, unknown, RegExp]> = [
    ['NaN', { a: [NaN] }, /\$\.a\[0\]: NaN is not a finite number/],
    ['Infinity', Infinity, /\$: Infinity is not a finite number/],
    ['a lone surrogate in a value', { s: 'a\uDC00' }, /\$\.s: string contains a lone UTF-16 surrogate/],
    ['a lone surrogate in a key', { ['\uD800']: 1 }, /lone UTF-16 surrogate/],
    ['bigint', { n: 1n }, /\$\.n: bigint is not a JSON value/],
    ['undefined in an array', [1, undefined], /\$\[1\]: undefined is not a JSON value/],
    ['a function', { f: () => 1 }, /function is not a JSON value/],
    ['a Date', { d: new Date(0) }, /\$\.d: only plain objects/],
    ['a Map', new Map(), /only plain objects/],
  ];
  for (const [name, value, message] of refused) {
    it(`refuses ${name} with JSON_INVALID`, () => {
      expect(() => canonicalJson(value as JsonValue)).toThrow(message);
      expect(() => canonicalJson(value as JsonValue)).toThrow(expect.objectContaining({ code: 'JSON_INVALID' }));
    });
  }

  it('refuses cycles but allows the same object twice', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => canonicalJson(cyclic as JsonValue)).toThrow(/\$\.self: the value contains a cycle/);
  });

  it('accepts objects without a prototype (e.g. from Object.create(null))', () => {
    const bare = Object.create(null) as Record<string, JsonValue>;
    bare['b'] = 2;
    bare['a'] = 1;
    expect(canonicalJson(bare)).toBe('{"a":1,"b":2}');
  });
});
