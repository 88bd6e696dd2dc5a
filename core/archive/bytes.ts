/**
 * Small byte helpers shared by the archive readers (Web-standard: Uint8Array
 * only, so the readers run in the agent and in a Worker alike).
 *
 * @example
 *   concatBytes([a, b]).byteLength === a.byteLength + b.byteLength; // true
 */

/**
 * The parts joined into one array; a single part is returned as it is (no copy).
 *
 * @example
 *   concatBytes([Uint8Array.of(1), Uint8Array.of(2)]); // Uint8Array [1, 2]
 */
export function concatBytes(parts: readonly Uint8Array[], total?: number): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  let length = total ?? 0;
  if (total === undefined) for (const part of parts) length += part.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/**
 * True when every byte is zero.
 *
 * @example
 *   isAllZero(new Uint8Array(512)); // true
 */
export function isAllZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * A name as it may be printed in a one-line message: control characters
 * escaped (a name may hold a newline to forge a log line), cut at 200 chars.
 *
 * @example
 *   printable('a\nb'); // 'a\\nb'
 */
export function printable(name: string): string {
  const cut = name.length > 200 ? `${name.slice(0, 200)}…` : name;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f\\]/g, (c) => (c === '\n' ? '\\n' : c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
