/**
 * PEM armour (RFC 7468) around DER: the form keys are stored and exchanged in.
 */
import { StellaError } from '../errors.js';
import { base64Decode, base64Encode } from './encoding.js';

/** The PEM labels this module reads and writes. */
export type PemLabel = 'PUBLIC KEY' | 'PRIVATE KEY';

/**
 * The DER bytes inside the first `-----BEGIN <label>-----` block. Whitespace
 * and CRLF inside the block are allowed (RFC 7468 §3); the base64 itself is
 * strict. Throws KEY_NOT_FOUND when there is no such block.
 * @example const der = pemToDer(spkiPem, 'PUBLIC KEY');
 */
export function pemToDer(pem: string, label: PemLabel): Uint8Array<ArrayBuffer> {
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const start = pem.indexOf(begin);
  const stop = start < 0 ? -1 : pem.indexOf(end, start + begin.length);
  if (start < 0 || stop < 0) {
    const found = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
    const hint =
      found === 'EC PRIVATE KEY'
        ? '; convert a SEC1 key with `openssl pkcs8 -topk8 -nocrypt -in key.pem`'
        : found === undefined
          ? ''
          : `; found a "${found}" block instead`;
    throw new StellaError('KEY_NOT_FOUND', `no "${label}" PEM block in the key text${hint}`);
  }
  const body = pem.slice(start + begin.length, stop).replace(/\s+/g, '');
  return base64Decode(body, `"${label}" PEM block`, 'KEY_NOT_FOUND');
}

/**
 * Wraps DER in PEM with 64-character lines and a trailing newline, as
 * OpenSSL writes it.
 * @example derToPem(spkiDer, 'PUBLIC KEY') // '-----BEGIN PUBLIC KEY-----\nMFkw…\n-----END PUBLIC KEY-----\n'
 */
export function derToPem(der: Uint8Array, label: PemLabel): string {
  const b64 = base64Encode(der);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
