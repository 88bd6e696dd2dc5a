/**
 * Parsing and checking the JSON documents of an image (manifest.json, OCI
 * index, manifest, config): every field is checked for its type before use,
 * and every failure is IMAGE_INVALID naming the document.
 *
 * @example
 *   const config = jsonObject(bytes, 'image config', where);
 *   const diffIds = digestList(config, ['rootfs', 'diff_ids'], 'image config', where);
 */
import { parseUntrustedJson } from '../../core/json/untrusted.js';
import { StellaError } from '../../core/errors.js';

/** A parsed JSON object whose fields are not yet checked. */
export type JsonObject = { readonly [key: string]: unknown };

const DIGEST = /^sha256:[0-9a-f]{64}$/;

function invalid(where: string, message: string): StellaError {
  return new StellaError('IMAGE_INVALID', `${where}: ${message}`);
}

/** Parses `bytes` as a JSON object. */
export function jsonObject(bytes: Uint8Array, label: string, where: string): JsonObject {
  let value: unknown;
  try {
    value = parseUntrustedJson(label, new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw invalid(where, `${label} is not valid JSON`);
  }
  if (!isObject(value)) throw invalid(where, `${label} is not a JSON object`);
  return value;
}

/** Parses `bytes` as a JSON array (docker's manifest.json). */
export function jsonArray(bytes: Uint8Array, label: string, where: string): unknown[] {
  let value: unknown;
  try {
    value = parseUntrustedJson(label, new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw invalid(where, `${label} is not valid JSON`);
  }
  if (!Array.isArray(value)) throw invalid(where, `${label} is not a JSON array`);
  return value;
}

/** True for a JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `path` inside `object`, or undefined. */
export function field(object: JsonObject, path: readonly string[]): unknown {
  let value: unknown = object;
  for (const key of path) {
    if (!isObject(value)) return undefined;
    value = value[key];
  }
  return value;
}

/** A string field, or undefined when absent; throws when present with another type. */
export function optionalString(object: JsonObject, key: string, label: string, where: string): string | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(where, `${label}: "${key}" is not a string`);
  return value;
}

/** A `sha256:<64 hex>` digest; anything else (other algorithms, path characters) is refused. */
export function checkDigest(value: unknown, label: string, where: string): string {
  if (typeof value !== 'string' || !DIGEST.test(value)) {
    throw invalid(where, `${label}: digest ${typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : String(value)} is not sha256:<64 hex digits>`);
  }
  return value;
}

/** An array of digests at `path`. */
export function digestList(object: JsonObject, path: readonly string[], label: string, where: string): string[] {
  const value = field(object, path);
  if (!Array.isArray(value)) throw invalid(where, `${label}: ${path.join('.')} is missing or not an array`);
  return value.map((item, i) => checkDigest(item, `${label} ${path.join('.')}[${i}]`, where));
}
