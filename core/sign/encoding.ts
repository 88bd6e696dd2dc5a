/**
 * Byte encodings used by the signing formats: standard base64 (DSSE, Sigstore
 * bundles, PEM), base64url (JWS), hex (key ids, digests) and strict UTF-8.
 *
 * Decoders are strict on purpose: a signed document must have exactly one
 * encoding, or a "changed" signature could decode to the same bytes and still
 * verify. So base64 must use canonical padding and zero unused bits.
 * Web-standard APIs only (no Buffer), so the same code runs in Workers.
 */
import { StellaError } from '../errors.js';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function reverse(alphabet: string): Int16Array {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}
const B64_REV = reverse(B64);
const B64URL_REV = reverse(B64URL);

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + (pad ? '==' : '');
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + (pad ? '=' : '');
  }
  return out;
}

/** Decodes unpadded-or-padded text; returns undefined for anything non-canonical. */
function decode(text: string, table: Int16Array, padded: boolean): Uint8Array<ArrayBuffer> | undefined {
  let body = text;
  if (padded) {
    if (text.length % 4 !== 0) return undefined;
    if (text.endsWith('==')) body = text.slice(0, -2);
    else if (text.endsWith('=')) body = text.slice(0, -1);
  }
  if (body.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    const v = c < 128 ? table[c]! : -1;
    if (v < 0) return undefined;
    acc = ((acc << 6) | v) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // Leftover bits must be zero: otherwise two texts decode to the same bytes.
  if ((acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

/**
 * Standard base64 with padding (RFC 4648 §4).
 * @example base64Encode(new Uint8Array([104, 105])) // 'aGk='
 */
export function base64Encode(bytes: Uint8Array): string {
  return encode(bytes, B64, true);
}

/**
 * Strict standard base64: canonical padding, no whitespace, zero unused bits.
 * Throws a StellaError (`code`, default SIGNATURE_INVALID) naming `what`.
 * @example base64Decode('aGk=', 'DSSE payload') // Uint8Array [104, 105]
 */
export function base64Decode(text: string, what: string, code: 'SIGNATURE_INVALID' | 'KEY_NOT_FOUND' | 'JSON_INVALID' = 'SIGNATURE_INVALID'): Uint8Array<ArrayBuffer> {
  const bytes = decode(text, B64_REV, true);
  if (bytes === undefined) throw new StellaError(code, `${what} is not canonical standard base64 (RFC 4648 §4 with padding)`);
  return bytes;
}

/**
 * Base64url without padding (RFC 4648 §5), as JWS uses.
 * @example base64UrlEncode(new TextEncoder().encode('{"a":1}')) // 'eyJhIjoxfQ'
 */
export function base64UrlEncode(bytes: Uint8Array): string {
  return encode(bytes, B64URL, false);
}

/**
 * Strict unpadded base64url; throws SIGNATURE_INVALID naming `what`.
 * @example base64UrlDecode('eyJhIjoxfQ', 'JWS header')
 */
export function base64UrlDecode(text: string, what: string): Uint8Array<ArrayBuffer> {
  const bytes = decode(text, B64URL_REV, false);
  if (bytes === undefined) throw new StellaError('SIGNATURE_INVALID', `${what} is not canonical unpadded base64url (RFC 4648 §5)`);
  return bytes;
}

/**
 * Lowercase hex.
 * @example hexEncode(new Uint8Array([0, 255])) // '00ff'
 */
export function hexEncode(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

function onArrayBuffer(bytes: Uint8Array): bytes is Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer;
}

/**
 * `bytes` as Web Crypto accepts them: views over a SharedArrayBuffer are
 * copied (Web Crypto refuses shared memory, which could change mid-hash).
 * @example await crypto.subtle.digest('SHA-256', bufferSource(bytes))
 */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return onArrayBuffer(bytes) ? bytes : new Uint8Array(bytes);
}

/**
 * Lowercase hex SHA-256 of `bytes`, via Web Crypto.
 * @example await sha256Hex(new TextEncoder().encode('')) // 'e3b0c442…b855'
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return hexEncode(new Uint8Array(await crypto.subtle.digest('SHA-256', bufferSource(bytes))));
}

// With the `u` flag a proper surrogate pair is one code point, so only lone halves match.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * UTF-8 bytes of a string. Lone surrogates would silently become U+FFFD, so
 * they are rejected: what is signed must be what the caller wrote.
 * @example utf8Encode('é') // Uint8Array [195, 169]
 */
export function utf8Encode(text: string): Uint8Array<ArrayBuffer> {
  if (LONE_SURROGATE.test(text)) throw new StellaError('JSON_INVALID', 'text contains a lone UTF-16 surrogate and has no UTF-8 form');
  return new TextEncoder().encode(text);
}

/**
 * Strict UTF-8 decoding: invalid sequences throw instead of becoming U+FFFD.
 * @example utf8Decode(new Uint8Array([104, 105]), 'statement') // 'hi'
 */
export function utf8Decode(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw new StellaError('JSON_INVALID', `${what} is not valid UTF-8`, { cause });
  }
}
