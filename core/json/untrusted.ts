/**
 * Turning untrusted bytes into a JSON value without letting the input pick
 * our resource use: a size cap, a nesting cap checked on the raw bytes
 * *before* JSON.parse (so no parser or later tree walk recurses 100,000
 * levels deep), lenient UTF-8 decoding, and parse errors reported on one
 * line with a position.
 *
 * Duplicate object keys: JSON.parse keeps the last one. We parse exactly
 * once and every later decision (format detection, component list) reads
 * that single value, so the document is interpreted the same way
 * throughout; we do not try to detect duplicates.
 */
import { StellaError } from '../errors.js';

/**
 * Nesting accepted in documents we did not write (records, manifests,
 * statements, reports). Real ones nest a dozen levels; the cap only has to
 * stop input that would drive a recursive walk (ours or a library's) past
 * the stack, which happens in the thousands.
 */
export const UNTRUSTED_MAX_DEPTH = 256;

/** Resource limits for one JSON input. */
export interface JsonLimits {
  /** Largest input accepted, in bytes. */
  maxBytes: number;
  /** Deepest nesting of arrays and objects accepted. */
  maxDepth: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * One-line, bounded rendering of text that may hold control characters or
 * lone surrogates (file names, parser messages quoting the input).
 * @example printable('a\nb') // 'a\\u000ab'
 */
export function printable(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\p{Cs}/gu, '\uFFFD');
}

/** End of the string whose opening quote is at `start`: the index of the closing quote, or -1. */
function stringEnd(bytes: Uint8Array, start: number): number {
  let at = start;
  for (;;) {
    // indexOf is native: a 50 MiB string costs one scan, not a JS loop per byte.
    at = bytes.indexOf(QUOTE, at + 1);
    if (at === -1) return -1;
    let backslashes = 0;
    while (bytes[at - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/**
 * Throws JSON_INVALID when arrays/objects nest deeper than `maxDepth`.
 * Counts brackets outside strings only; UTF-8 continuation bytes are all
 * ≥ 0x80, so scanning bytes never mistakes part of a character for a bracket.
 * Unbalanced or otherwise broken input is left for JSON.parse to report.
 *
 * @example checkNesting('bom.json', new TextEncoder().encode('[[1]]'), 1) // throws JSON_INVALID
 */
export function checkNesting(label: string, bytes: Uint8Array, maxDepth: number): void {
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === QUOTE) {
      const end = stringEnd(bytes, i);
      if (end === -1) return;
      i = end;
    } else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (++depth > maxDepth) {
        throw new StellaError('JSON_INVALID', `${label}: maximum nesting depth exceeded (${maxDepth}) at byte ${i}`);
      }
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
      depth--;
    }
  }
}

/**
 * {@link checkNesting} for JSON already decoded to a string.
 * @example checkTextNesting('GHSA-x.json', text, UNTRUSTED_MAX_DEPTH)
 */
export function checkTextNesting(label: string, text: string, maxDepth: number = UNTRUSTED_MAX_DEPTH): void {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = textStringEnd(text, i);
      if (end === -1) return;
      i = end;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) throw new StellaError('JSON_INVALID', `${label}: maximum nesting depth exceeded (${maxDepth}) at character ${i}`);
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
}

/** {@link stringEnd} for text: the index of the quote closing the string opened at `start`, or -1. */
function textStringEnd(text: string, start: number): number {
  let at = start;
  for (;;) {
    // Native search from quote to quote: a report carried as a JSON string inside the edge's
    // submission is mostly string, and a JS step per character was a tenth of a millisecond each.
    at = text.indexOf('"', at + 1);
    if (at === -1) return -1;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/**
 * JSON.parse for text we did not write, after the nesting check: a hostile
 * document fails with a one-line JSON_INVALID instead of exhausting the stack
 * in whatever walks it next.
 * @example const value = parseUntrustedJson('manifest.json', text);
 */
export function parseUntrustedJson(label: string, text: string, maxDepth: number = UNTRUSTED_MAX_DEPTH): unknown {
  checkTextNesting(label, text, maxDepth);
  return JSON.parse(text) as unknown;
}

function decode(label: string, bytes: Uint8Array, warnings: string[]): string {
  try {
    // A leading byte-order mark is dropped (ignoreBOM defaults to false).
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    warnings.push(`${label}: invalid UTF-8 sequences replaced with U+FFFD`);
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = (before.match(/\n/g) ?? []).length + 1;
  return `line ${line} column ${position - before.lastIndexOf('\n')}`;
}

/**
 * Size-checks, depth-checks, decodes and parses JSON bytes.
 * Throws LIMIT_EXCEEDED (too big) or JSON_INVALID (too deep, malformed).
 *
 * @example parseJsonBytes('bom.json', bytes, { maxBytes: 64 << 20, maxDepth: 256 }, warnings)
 */
export function parseJsonBytes(label: string, bytes: Uint8Array, limits: JsonLimits, warnings: string[]): unknown {
  if (bytes.length > limits.maxBytes) {
    throw new StellaError('LIMIT_EXCEEDED', `${label}: ${bytes.length} bytes exceeds the ${limits.maxBytes}-byte limit for JSON input`);
  }
  checkNesting(label, bytes, limits.maxDepth);
  const text = decode(label, bytes, warnings);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    // V8 names a position for most errors; a truncated document fails at its end.
    const position = /at position (\d+)/.exec(message)?.[1] ?? (/Unexpected end of JSON input/.test(message) ? String(text.length) : undefined);
    const where = position === undefined ? '' : ` (${lineAndColumn(text, Number(position))})`;
    throw new StellaError('JSON_INVALID', `${label}: malformed JSON: ${printable(message)}${where}`, { cause });
  }
}
