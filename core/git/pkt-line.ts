/**
 * Git's pkt-line framing: four hex digits of length (including themselves)
 * then the payload; `0000` is a flush. Used for the receive-pack request and
 * its status report.
 *
 * @example
 *   const bytes = concat([pktLine('unpack ok\n'), FLUSH]);
 *   parsePktLines(bytes); // ['unpack ok\n', null]
 */
import { StellaError } from '../errors.js';

export const FLUSH = new TextEncoder().encode('0000');
const MAX_PAYLOAD = 65516;

/** One pkt-line. @example pktLine('done\n') // '0009done\n' as bytes */
export function pktLine(payload: string | Uint8Array): Uint8Array {
  const body = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  if (body.length > MAX_PAYLOAD) throw new StellaError('LIMIT_EXCEEDED', `pkt-line payload of ${body.length} bytes is over git's ${MAX_PAYLOAD}`);
  const out = new Uint8Array(body.length + 4);
  out.set(new TextEncoder().encode((body.length + 4).toString(16).padStart(4, '0')), 0);
  out.set(body, 4);
  return out;
}

/**
 * The length field of the pkt-line at `at`: four hex digits, read without a
 * TextDecoder (a call into the runtime per packet, thousands a push), NaN
 * when they are not four hex digits.
 * @example pktLength(new TextEncoder().encode('0009done\n')) // 9
 */
export function pktLength(bytes: Uint8Array, at = 0): number {
  if (at + 4 > bytes.length) return Number.NaN;
  let length = 0;
  for (let i = at; i < at + 4; i++) {
    const digit = HEX_VALUE[bytes[i] as number] ?? -1;
    if (digit < 0) return Number.NaN;
    length = length * 16 + digit;
  }
  return length;
}

/** Value of each ASCII hex digit (either case) by byte; -1 for any other byte. */
const HEX_VALUE = Array.from({ length: 256 }, (_, byte) => {
  const char = String.fromCharCode(byte);
  return /^[0-9a-fA-F]$/.test(char) ? Number.parseInt(char, 16) : -1;
});

/** Payloads in order; a flush packet is `null`. Text is decoded as UTF-8. @example parsePktLines(bytes) // ['unpack ok\n', 'ok refs/heads/x\n', null] */
export function parsePktLines(bytes: Uint8Array, where = 'pkt-line stream'): (string | null)[] {
  const out: (string | null)[] = [];
  const decoder = new TextDecoder();
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new StellaError('REPO_INVALID', `${where}: truncated pkt-line length at byte ${at}`);
    const length = pktLength(bytes, at);
    if (!Number.isInteger(length) || (length > 0 && length < 4)) throw new StellaError('REPO_INVALID', `${where}: bad pkt-line length at byte ${at}`);
    if (length === 0) {
      out.push(null);
      at += 4;
      continue;
    }
    if (at + length > bytes.length) throw new StellaError('REPO_INVALID', `${where}: pkt-line at byte ${at} runs past the end`);
    out.push(decoder.decode(bytes.subarray(at + 4, at + length)));
    at += length;
  }
  return out;
}

/** One array of all parts. @example concat([pktLine('x'), FLUSH]) */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
