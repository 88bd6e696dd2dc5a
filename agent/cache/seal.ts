/**
 * Cache values carry their own checksum: `<sha256 hex of the JSON> <JSON>`.
 * A value that does not parse, or whose JSON no longer hashes to its prefix
 * (a torn write, a disk error, a hand edit), is recognised as corrupt rather
 * than trusted.
 *
 * @example
 *   const stored = seal({ a: 1 });
 *   unseal(stored); // { a: 1 }
 *   unseal('x' + stored); // undefined
 */
import { createHash } from 'node:crypto';

/** The value to store for `value` (which must be JSON-serialisable). */
export function seal(value: unknown): string {
  const json = JSON.stringify(value);
  return `${createHash('sha256').update(json).digest('hex')} ${json}`;
}

/** The value, or undefined when the stored text is corrupt. */
export function unseal(stored: string): unknown {
  const space = stored.indexOf(' ');
  if (space !== 64) return undefined;
  const json = stored.slice(65);
  if (createHash('sha256').update(json).digest('hex') !== stored.slice(0, 64)) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}
