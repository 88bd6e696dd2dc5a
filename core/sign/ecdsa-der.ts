/**
 * ECDSA signature encodings. Web Crypto produces and expects IEEE P1363
 * (`r || s`, each left-padded to the curve size); Sigstore, cosign, OpenSSL
 * and DSSE tooling use ASN.1 DER (`SEQUENCE { INTEGER r, INTEGER s }`).
 *
 * DER INTEGERs are minimal two's complement: leading zero bytes are dropped,
 * and a 0x00 is prepended when the top bit is set (else the value reads as
 * negative). The parser accepts only that exact form, as OpenSSL does, so a
 * signature has one encoding and cannot be re-encoded into a "new" valid one.
 */
import { StellaError } from '../errors.js';

/** P-256 scalar size in bytes. */
export const P256_SCALAR_BYTES = 32;

function invalid(reason: string): StellaError {
  return new StellaError('SIGNATURE_INVALID', `signature is not a DER ECDSA signature: ${reason}`);
}

function derLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function derInteger(unsigned: Uint8Array): number[] {
  let i = 0;
  while (i < unsigned.length - 1 && unsigned[i] === 0) i++;
  const value = Array.from(unsigned.subarray(i));
  if (value[0]! & 0x80) value.unshift(0);
  return [0x02, ...derLength(value.length), ...value];
}

/**
 * IEEE P1363 `r || s` (what `crypto.subtle.sign` returns) to ASN.1 DER.
 * @example const der = p1363ToDer(new Uint8Array(await crypto.subtle.sign(alg, key, data)));
 */
export function p1363ToDer(raw: Uint8Array): Uint8Array<ArrayBuffer> {
  if (raw.length === 0 || raw.length % 2 !== 0) {
    throw new StellaError('SIGNATURE_INVALID', `raw ECDSA signature has ${raw.length} bytes; expected r || s of equal halves`);
  }
  const half = raw.length / 2;
  const body = [...derInteger(raw.subarray(0, half)), ...derInteger(raw.subarray(half))];
  return new Uint8Array([0x30, ...derLength(body.length), ...body]);
}

/** Reads a DER length at `pos`; returns [length, next position]. Minimal form only. */
function readLength(der: Uint8Array, pos: number): [number, number] {
  const first = der[pos];
  if (first === undefined) throw invalid('truncated length');
  if (first < 0x80) return [first, pos + 1];
  const count = first & 0x7f;
  if (count === 0 || count > 2) throw invalid('unsupported length form');
  let length = 0;
  for (let i = 1; i <= count; i++) {
    const b = der[pos + i];
    if (b === undefined) throw invalid('truncated length');
    length = length * 256 + b;
  }
  if (length < 0x80 || (count === 2 && length < 0x100)) throw invalid('non-minimal length');
  return [length, pos + 1 + count];
}

function readInteger(der: Uint8Array, pos: number, size: number, name: string): [Uint8Array, number] {
  if (der[pos] !== 0x02) throw invalid(`${name} is not an INTEGER`);
  const [length, start] = readLength(der, pos + 1);
  const end = start + length;
  if (length === 0 || end > der.length) throw invalid(`${name} has a bad length`);
  let value = der.subarray(start, end);
  if (value[0]! & 0x80) throw invalid(`${name} is negative`);
  if (value[0] === 0 && value.length > 1) {
    if (!(value[1]! & 0x80)) throw invalid(`${name} has a superfluous leading zero`);
    value = value.subarray(1);
  }
  if (value.length > size) throw invalid(`${name} is longer than ${size} bytes`);
  const out = new Uint8Array(size);
  out.set(value, size - value.length);
  return [out, end];
}

/**
 * ASN.1 DER to IEEE P1363 `r || s` with each half `size` bytes (32 for P-256),
 * for `crypto.subtle.verify`. Throws SIGNATURE_INVALID for anything but
 * strict DER with positive integers that fit the curve.
 * @example const ok = await crypto.subtle.verify(alg, key, derToP1363(der), data);
 */
export function derToP1363(der: Uint8Array, size: number = P256_SCALAR_BYTES): Uint8Array<ArrayBuffer> {
  if (der[0] !== 0x30) throw invalid('does not start with a SEQUENCE');
  const [length, bodyStart] = readLength(der, 1);
  if (bodyStart + length !== der.length) throw invalid('SEQUENCE length does not match the signature size');
  const [r, afterR] = readInteger(der, bodyStart, size, 'r');
  const [s, afterS] = readInteger(der, afterR, size, 's');
  if (afterS !== der.length) throw invalid('trailing bytes after s');
  const out = new Uint8Array(size * 2);
  out.set(r, 0);
  out.set(s, size);
  return out;
}
