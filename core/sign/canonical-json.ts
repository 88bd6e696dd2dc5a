/**
 * Canonical JSON in the style of RFC 8785 (JCS): object members sorted by
 * UTF-16 code units, no whitespace, strings and numbers serialised as
 * ECMAScript `JSON.stringify` does (which is exactly what RFC 8785 specifies).
 * Signed documents go through here so the same value always gives the same
 * bytes.
 *
 * Refused, with JSON_INVALID naming the path: non-finite numbers, lone
 * surrogates (no UTF-8 form), bigint, functions, symbols, `undefined` inside
 * arrays, cycles, and objects that are not plain (Date, Map, class
 * instances), since JSON.stringify would silently turn them into something
 * else. An object member whose value is `undefined` is left out, as in
 * JSON.stringify: absent and undefined mean the same in our types.
 */
import { StellaError } from '../errors.js';
import { utf8Encode } from './encoding.js';

/** A value that has a JSON form. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue | undefined };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue | undefined };

const LONE_SURROGATE = /\p{Cs}/u;

function fail(path: string, reason: string): never {
  throw new StellaError('JSON_INVALID', `cannot canonicalise ${path}: ${reason}`);
}

function str(text: string, path: string): string {
  if (LONE_SURROGATE.test(text)) fail(path, 'string contains a lone UTF-16 surrogate');
  return JSON.stringify(text);
}

function serialise(value: unknown, path: string, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return str(value, path);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) fail(path, `${value} is not a finite number`);
      return JSON.stringify(value); // -0 becomes 0, as RFC 8785 §3.2.2.3 requires
    case 'object': {
      if (value === null) return 'null';
      if (seen.has(value)) fail(path, 'the value contains a cycle');
      seen.add(value);
      let out: string;
      if (Array.isArray(value)) {
        out = `[${value.map((item: unknown, i) => {
          if (item === undefined) fail(`${path}[${i}]`, 'undefined is not a JSON value');
          return serialise(item, `${path}[${i}]`, seen);
        }).join(',')}]`;
      } else {
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) fail(path, 'only plain objects have a JSON form');
        const record = value as Record<string, unknown>;
        // Default sort compares UTF-16 code units, which is the RFC 8785 order.
        const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
        out = `{${keys.map((k) => `${str(k, path)}:${serialise(record[k], `${path}.${k}`, seen)}`).join(',')}}`;
      }
      seen.delete(value);
      return out;
    }
    default:
      return fail(path, `${typeof value} is not a JSON value`);
  }
}

/**
 * The canonical JSON text of `value`.
 * @example canonicalJson({ b: [1, true], a: 'é' }) // '{"a":"é","b":[1,true]}'
 */
export function canonicalJson(value: JsonValue): string {
  return serialise(value, '$', new Set());
}

/**
 * The UTF-8 bytes of {@link canonicalJson}: what gets hashed and signed.
 * @example await crypto.subtle.digest('SHA-256', canonicalJsonBytes(doc))
 */
export function canonicalJsonBytes(value: JsonValue): Uint8Array<ArrayBuffer> {
  return utf8Encode(canonicalJson(value));
}
