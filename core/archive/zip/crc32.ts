/**
 * CRC-32 (IEEE 802.3, as ZIP uses it), table-driven; runtimes with a native
 * one may pass theirs to the zip reader instead.
 *
 * @example
 *   crc32(new TextEncoder().encode('123456789')) === 0xcbf43926; // true
 */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * The CRC-32 of `bytes`, as an unsigned 32-bit number.
 *
 * @example
 *   crc32(new Uint8Array(0)); // 0
 */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = (TABLE[(c ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
