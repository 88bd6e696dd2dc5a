/**
 * SHA-1 fed in pieces. Web Crypto only hashes a whole buffer at once, and a
 * received pack (hundreds of megabytes) or one large object inside it must be
 * hashed as it streams past, never held whole. Git names objects and checks
 * packs with SHA-1, so this is not a choice of algorithm (FIPS 180-4, §6.1).
 *
 * @example
 *   const hash = new Sha1();
 *   hash.update(header);
 *   hash.update(content);
 *   hexEncode(hash.digest()); // the object id
 */

const BLOCK = 64;

/** An incremental SHA-1. `digest()` ends it. */
export class Sha1 {
  private readonly state = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0]);
  private readonly words = new Int32Array(80);
  private readonly pending = new Uint8Array(BLOCK);
  private pendingLength = 0;
  private total = 0;

  /** Adds bytes. @example hash.update(chunk) */
  update(bytes: Uint8Array): this {
    let at = 0;
    this.total += bytes.length;
    if (this.pendingLength > 0) {
      const take = Math.min(BLOCK - this.pendingLength, bytes.length);
      this.pending.set(bytes.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      at = take;
      if (this.pendingLength < BLOCK) return this;
      this.block(this.pending, 0);
      this.pendingLength = 0;
    }
    for (; at + BLOCK <= bytes.length; at += BLOCK) this.block(bytes, at);
    if (at < bytes.length) {
      this.pending.set(bytes.subarray(at), 0);
      this.pendingLength = bytes.length - at;
    }
    return this;
  }

  /** The 20-byte digest; the hash cannot be fed afterwards. @example hexEncode(new Sha1().update(bytes).digest()) */
  digest(): Uint8Array {
    const bits = this.total * 8;
    const tail = new Uint8Array((this.pendingLength < 56 ? BLOCK : 2 * BLOCK) - this.pendingLength);
    tail[0] = 0x80;
    const view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, Math.floor(bits / 2 ** 32));
    view.setUint32(tail.length - 4, bits >>> 0);
    this.update(tail);
    const out = new Uint8Array(20);
    const outView = new DataView(out.buffer);
    for (let i = 0; i < 5; i++) outView.setInt32(i * 4, this.state[i] as number);
    return out;
  }

  private block(bytes: Uint8Array, at: number): void {
    const w = this.words;
    for (let i = 0; i < 16; i++) {
      const j = at + i * 4;
      w[i] = ((bytes[j] as number) << 24) | ((bytes[j + 1] as number) << 16) | ((bytes[j + 2] as number) << 8) | (bytes[j + 3] as number);
    }
    for (let i = 16; i < 80; i++) {
      const x = (w[i - 3] as number) ^ (w[i - 8] as number) ^ (w[i - 14] as number) ^ (w[i - 16] as number);
      w[i] = (x << 1) | (x >>> 31);
    }
    const s = this.state;
    let a = s[0] as number;
    let b = s[1] as number;
    let c = s[2] as number;
    let d = s[3] as number;
    let e = s[4] as number;
    // Four loops, one per round function, so the hot path has no branch.
    for (let i = 0; i < 20; i++) {
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + (w[i] as number)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (let i = 20; i < 40; i++) {
      const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + (w[i] as number)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (let i = 40; i < 60; i++) {
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e - 0x70e44324 + (w[i] as number)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (let i = 60; i < 80; i++) {
      const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e - 0x359d3e2a + (w[i] as number)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    s[0] = (s[0] as number) + a;
    s[1] = (s[1] as number) + b;
    s[2] = (s[2] as number) + c;
    s[3] = (s[3] as number) + d;
    s[4] = (s[4] as number) + e;
  }
}

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/**
 * CRC-32 (zlib's polynomial), continued from `crc` over `bytes`: what a pack
 * index stores for each entry's raw bytes.
 *
 * @example let crc = crc32(0, header); crc = crc32(crc, compressed);
 */
export function crc32(crc: number, bytes: Uint8Array): number {
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}
