/**
 * Reading untrusted VEX JSON: parsing (through `core/json/untrusted.ts`,
 * with its size and depth limits), typed field access, and the one error
 * every format throws — VEX_INVALID, one line naming the document and the
 * problem.
 *
 * @example
 *   const doc = asObject(parseVexJson(source, MAX_BYTES), source.name, 'the document');
 *   const status = text(doc, 'status'); // string | undefined
 */
import { StellaError } from '../errors.js';
import { parseJsonBytes, printable, UNTRUSTED_MAX_DEPTH } from '../json/untrusted.js';

/** One VEX source as a format sees it: its name (a repository path or file name) and its bytes. */
export interface VexSource {
  name: string;
  bytes: Uint8Array;
}

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/**
 * A VEX_INVALID error for `name`: `<name>: <problem>`.
 * @example throw invalidVex('a.json', 'statement 2: unknown status "maybe"');
 */
export function invalidVex(name: string, problem: string): StellaError {
  return new StellaError('VEX_INVALID', `${printable(name)}: ${problem}`);
}

/**
 * The document's JSON value; malformed, too large or too deep input throws
 * JSON_INVALID / LIMIT_EXCEEDED naming the source. Invalid UTF-8 is refused
 * too: a signed statement whose text was altered by decoding is not the one
 * that was signed.
 *
 * @example parseVexJson({ name: 'a.json', bytes }, 16 << 20);
 */
export function parseVexJson(source: VexSource, maxBytes: number): unknown {
  const warnings: string[] = [];
  const value = parseJsonBytes(source.name, source.bytes, { maxBytes, maxDepth: UNTRUSTED_MAX_DEPTH }, warnings);
  if (warnings.length > 0) throw invalidVex(source.name, 'not valid UTF-8');
  return value;
}

/** True for a JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `value` as an object, or VEX_INVALID saying what `what` should have been.
 * @example asObject(doc['document'], name, 'document');
 */
export function asObject(value: unknown, name: string, what: string): JsonObject {
  if (!isObject(value)) throw invalidVex(name, `${what} is not a JSON object`);
  return value;
}

/** The array at `key`, or [] when absent; VEX_INVALID when it is something else. */
export function list(object: JsonObject, key: string, name: string, what: string): unknown[] {
  const value = object[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidVex(name, `${what}.${key} is not an array`);
  return value;
}

/** The non-empty string at `key`, or undefined (absent, empty, or not a string). */
export function text(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** The non-empty strings of an array value, in order, without repeats. */
export function strings(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return [...new Set(value.filter((v): v is string => typeof v === 'string' && v.trim() !== ''))];
}

/** A value quoted for a message, short and on one line. @example quoted('a\nb') // '"a\\nb"' */
export function quoted(value: unknown): string {
  return JSON.stringify(printable(typeof value === 'string' ? value : JSON.stringify(value) ?? String(value), 60));
}
