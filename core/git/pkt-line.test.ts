import { describe, expect, it } from 'vitest';
import { concat, FLUSH, parsePktLines, pktLength, pktLine } from './pkt-line.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('pkt-line', () => {
  it('reads a length field as four hex digits of either case, and nothing else', () => {
    expect(pktLength(bytes('0009done\n'))).toBe(9);
    expect(pktLength(bytes('xx00Ff'), 2)).toBe(255);
    expect(pktLength(FLUSH)).toBe(0);
    for (const bad of ['00g1', '0 12', '-001', '001']) expect(pktLength(bytes(bad))).toBeNaN();
  });

  it('frames and parses lines, a flush as null, and refuses a length that is not hex', () => {
    expect(parsePktLines(concat([pktLine('unpack ok\n'), FLUSH, pktLine('ok refs/heads/x\n')]))).toEqual(['unpack ok\n', null, 'ok refs/heads/x\n']);
    expect(() => parsePktLines(bytes('00zzunpack ok'))).toThrow(/bad pkt-line length at byte 0/);
  });
});
