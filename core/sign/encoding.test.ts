import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64Decode, base64Encode, base64UrlDecode, base64UrlEncode, bufferSource, hexEncode, sha256Hex, utf8Decode, utf8Encode } from './encoding.js';

describe('base64 (oracle: node Buffer)', () => {
  it('encodes and decodes every length 0..64 and random bytes like Buffer', () => {
    for (let n = 0; n <= 64; n++) {
      const bytes = new Uint8Array(randomBytes(n));
      const std = Buffer.from(bytes).toString('base64');
      const url = Buffer.from(bytes).toString('base64url');
      expect(base64Encode(bytes)).toBe(std);
      expect(base64UrlEncode(bytes)).toBe(url);
      expect(base64Decode(std, 'x')).toEqual(bytes);
      expect(base64UrlDecode(url, 'x')).toEqual(bytes);
    }
  });

  it('rejects non-canonical text that Buffer would silently accept', () => {
    const bad = ['aGk', 'aGk==', 'aG=k', 'a', 'aGk=\n', ' aGk=', 'aGl=', 'aR==', 'aGk_', 'aGk-', 'é==='];
    for (const text of bad) expect(() => base64Decode(text, 'field'), text).toThrow(/field is not canonical standard base64/);
    // 'aGl=' and 'aGk=' decode to the same bytes in Buffer: only one may be accepted.
    expect(Buffer.from('aGl=', 'base64')).toEqual(Buffer.from('aGk=', 'base64'));
    for (const text of ['aGk=', 'aGk+', 'aGk/', 'aR', 'aGl']) expect(() => base64UrlDecode(text, 'h'), text).toThrow(/h is not canonical unpadded base64url/);
  });

  it('carries SIGNATURE_INVALID by default and another code on request', () => {
    expect(() => base64Decode('!', 'x')).toThrow(expect.objectContaining({ code: 'SIGNATURE_INVALID' }));
    expect(() => base64Decode('!', 'x', 'KEY_NOT_FOUND')).toThrow(expect.objectContaining({ code: 'KEY_NOT_FOUND' }));
  });
});

describe('hex, sha256, utf8', () => {
  it('hashes like node:crypto', async () => {
    const bytes = new Uint8Array(randomBytes(1000));
    const { createHash } = await import('node:crypto');
    expect(await sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(hexEncode(new Uint8Array([0, 15, 255]))).toBe('000fff');
  });

  it('copies views over shared memory for Web Crypto and passes plain views through', () => {
    const plain = new Uint8Array([1, 2]);
    expect(bufferSource(plain)).toBe(plain);
    const shared = new Uint8Array(new SharedArrayBuffer(2));
    expect(bufferSource(shared).buffer).toBeInstanceOf(ArrayBuffer);
  });

  it('refuses lone surrogates and invalid UTF-8 instead of substituting U+FFFD', () => {
    expect(utf8Encode('é😀')).toEqual(new Uint8Array(Buffer.from('é😀', 'utf8')));
    expect(() => utf8Encode('a\uD800b')).toThrow(/lone UTF-16 surrogate/);
    expect(() => utf8Decode(new Uint8Array([0xc3, 0x28]), 'statement')).toThrow(/statement is not valid UTF-8/);
  });
});
