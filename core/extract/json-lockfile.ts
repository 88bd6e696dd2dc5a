/**
 * Reading shared by the JSON lockfile extractors of NuGet
 * (`packages.lock.json`) and Composer (`composer.lock`): the document as a
 * JSON object, and the result with its warnings capped.
 *
 * @example
 *   const doc = parseJsonObject('composer.lock', contents);
 *   // … collect packages and warnings from doc …
 *   return resultWithWarnings('composer.lock', packages, warnings);
 */
import { prefixAndCapWarnings } from './warnings.js';
import { StellaError, describeError } from '../errors.js';
import type { ExtractedPackage } from '../model/package.js';
import type { ExtractResult } from './extractor.js';

/** A JSON object, its members not yet checked. */
export type JsonObject = Record<string, unknown>;


/**
 * The file as a JSON object; JSON_INVALID when it is not JSON, or JSON
 * whose top level is not an object.
 *
 * @example
 *   parseJsonObject('packages.lock.json', new TextEncoder().encode('{"version": 1}')); // { version: 1 }
 *   parseJsonObject('packages.lock.json', new TextEncoder().encode('[]'));             // throws JSON_INVALID
 */
export function parseJsonObject(path: string, contents: Uint8Array): JsonObject {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(contents));
  } catch (error) {
    throw new StellaError('JSON_INVALID', `${path}: not valid JSON (${describeError(error)})`, { cause: error });
  }
  if (!isObject(doc)) {
    throw new StellaError('JSON_INVALID', `${path}: expected a JSON object, found ${doc === null ? 'null' : Array.isArray(doc) ? 'an array' : typeof doc}`);
  }
  return doc;
}

/**
 * True for a JSON object: not null, not an array.
 *
 * @example
 *   isObject({}); // true
 *   isObject([]); // false
 */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The result, with warnings (each prefixed with the file path) capped so a
 * junk file cannot flood a report; no `warnings` member when there are none.
 *
 * @example
 *   resultWithWarnings('composer.lock', packages, ['packages[3] has no name or version; skipped']);
 *   // { packages, warnings: ['composer.lock: packages[3] has no name or version; skipped'] }
 */
export function resultWithWarnings(path: string, packages: ExtractedPackage[], warnings: string[]): ExtractResult {
  const result: ExtractResult = { packages };
  if (warnings.length > 0) result.warnings = prefixAndCapWarnings(path, warnings);
  return result;
}

