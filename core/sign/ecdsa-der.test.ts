import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derToP1363, p1363ToDer } from './ecdsa-der.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fill = (byte: number, n = 32): string => byte.toString(16).padStart(2, '0').repeat(n);

describe('P1363 -> DER', () => {
  it('writes small positive integers without padding', () => {
    const raw = hex(fill(0x11) + fill(0x22));
    expect(toHex(p1363ToDer(raw))).toBe(`3044` + `0220${fill(0x11)}` + `0220${fill(0x22)}`);
  });

  it('prepends 0x00 when the high bit is set (else the INTEGER would be negative)', () => {
    const raw = hex(fill(0x80) + fill(0xff));
    expect(toHex(p1363ToDer(raw))).toBe(`3046` + `022100${fill(0x80)}` + `022100${fill(0xff)}`);
  });

  it('drops leading zero bytes, then re-adds one if the next byte has the high bit', () => {
    // r = 00 00 7f ..., s = 00 80 ... : r loses two zeros; s keeps exactly one.
    const r = '0000' + fill(0x7f, 30);
    const s = '00' + fill(0x80, 31);
    expect(toHex(p1363ToDer(hex(r + s)))).toBe(`3042` + `021e${fill(0x7f, 30)}` + `022000${fill(0x80, 31)}`);
  });

  it('encodes a value of all zeros but the last byte as a one-byte INTEGER', () => {
    const raw = hex(fill(0, 31) + '01' + fill(0, 31) + '80');
    expect(toHex(p1363ToDer(raw))).toBe('3007' + '020101' + '02020080');
  });

  it('rejects a raw signature of odd or zero length', () => {
    expect(() => p1363ToDer(new Uint8Array(63))).toThrow(/expected r \|\| s/);
    expect(() => p1363ToDer(new Uint8Array(0))).toThrow(/expected r \|\| s/);
  });
});

describe('DER -> P1363', () => {
  it('round-trips the edge cases above', () => {
    for (const raw of [fill(0x11) + fill(0x22), fill(0x80) + fill(0xff), '0000' + fill(0x7f, 30) + '00' + fill(0x80, 31), fill(0, 31) + '01' + fill(0, 31) + '80']) {
      expect(toHex(derToP1363(p1363ToDer(hex(raw))))).toBe(raw);
    }
  });

  const bad: Array<[string, string, RegExp]> = [
    ['wrong outer tag', `3144 0220${fill(0x11)} 0220${fill(0x22)}`, /SEQUENCE/],
    ['sequence length too long', `3045 0220${fill(0x11)} 0220${fill(0x22)}`, /SEQUENCE length/],
    ['trailing byte after the sequence', `3044 0220${fill(0x11)} 0220${fill(0x22)} 00`, /SEQUENCE length/],
    ['trailing bytes inside the sequence', `3046 0220${fill(0x11)} 0220${fill(0x22)} 0500`, /trailing bytes after s/],
    ['superfluous leading zero', `3045 022100${fill(0x11)} 0220${fill(0x22)}`, /superfluous leading zero/],
    ['negative integer (high bit, no 0x00)', `3044 0220${fill(0x80)} 0220${fill(0x22)}`, /r is negative/],
    ['integer longer than the curve', `3044 0222${fill(0x11, 34)} 021e${fill(0x22, 30)}`, /longer than 32 bytes/],
    ['empty integer', `3024 0200 0220${fill(0x22)}`, /bad length/],
    ['non-minimal long-form length', `308144 0220${fill(0x11)} 0220${fill(0x22)}`, /non-minimal length/],
    ['s is not an INTEGER', `3044 0220${fill(0x11)} 0420${fill(0x22)}`, /s is not an INTEGER/],
    ['truncated', `3044 0220${fill(0x11)}`, /SEQUENCE length/],
  ];
  for (const [name, der, message] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => derToP1363(hex(der))).toThrow(message);
      expect(() => derToP1363(hex(der))).toThrow(expect.objectContaining({ code: 'SIGNATURE_INVALID' }));
    });
  }
});

describe('oracle: node:crypto (OpenSSL) reads our DER from real Web Crypto signatures', () => {
  it('verifies real signatures until both high-bit and leading-zero r/s have been seen', async () => {
    const alg = { name: 'ECDSA', namedCurve: 'P-256' } as const;
    const pair = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
    const nodeKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    let highBit = 0;
    let leadingZero = 0;
    // About 1 in 128 signatures has a zero first byte in r or s; 6000 draws miss with p < 1e-20.
    for (let i = 0; i < 6000 && (i < 300 || leadingZero < 2); i++) {
      const data = new TextEncoder().encode(`message ${i}`);
      const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, data));
      const der = p1363ToDer(raw);
      if (raw[0]! >= 0x80 || raw[32]! >= 0x80) highBit++;
      if (raw[0] === 0 || raw[32] === 0) leadingZero++;
      expect(nodeVerify('sha256', data, nodeKey, der)).toBe(true);
      expect(derToP1363(der)).toEqual(raw);
    }
    expect(highBit).toBeGreaterThan(100);
    expect(leadingZero).toBeGreaterThanOrEqual(2);
  });

  it('reads DER signatures made by node:crypto and Web Crypto accepts them', async () => {
    const { generateKeyPairSync, sign } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    const key = await crypto.subtle.importKey('spki', new Uint8Array(spki), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    for (let i = 0; i < 200; i++) {
      const data = Buffer.from(`node message ${i}`);
      const der = new Uint8Array(sign('sha256', data, privateKey));
      expect(toHex(p1363ToDer(derToP1363(der)))).toBe(toHex(der));
      expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, derToP1363(der), new Uint8Array(data))).toBe(true);
    }
  });
});
