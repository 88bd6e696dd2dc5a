/**
 * The contract of `Extractor.stream`, for every registered extractor that
 * offers it: fed in parts of any size (parts reused by the caller as soon
 * as `write` returns), it gives what `extract` gives on the whole file, or
 * asks for the whole file before it has read past `STREAM_HEAD_BYTES`; it
 * never throws anything but a StellaError. A streaming extractor must add
 * valid inputs to `streamSamples`; the suite fails until it does.
 */
import { describe, expect, it } from 'vitest';
import { isStellaError } from '../errors.js';
import { STREAM_HEAD_BYTES } from './extractor.js';
import type { AnyExtractor, ExtractResult } from './extractor.js';
import { buildGoElf } from './go/elf.test-helper.js';
import { defaultRegistry } from './registry.js';

const streamSamples: Record<string, () => Uint8Array[]> = {
  'go-binary': () => [
    buildGoElf({ goVersion: 'go1.22.1', modinfo: 'mod\texample.com/a\t(devel)\t\ndep\texample.com/b\tv1.0.0\t\n', layout: 'inline', sections: false }),
    buildGoElf({ goVersion: 'go1.16.15', modinfo: 'dep\texample.com/b\tv1.0.0\t\n', layout: 'pointer', bits: 32, bigEndian: true, goNote: true }),
  ],
};

/** Deterministic pseudo-random bytes. */
function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const hostile = (): Uint8Array[] => {
  const elfJunk = randomBytes(200_000, 7);
  elfJunk.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  return [new Uint8Array(0), new Uint8Array(4096), randomBytes(100_000, 3), elfJunk];
};

type Outcome = { result: ExtractResult } | { error: unknown };

function whole(extractor: AnyExtractor, path: string, contents: Uint8Array): Outcome {
  try {
    const result = extractor.extract({ path, contents });
    if (result instanceof Promise) throw new TypeError('this suite reads synchronous extractors');
    return { result };
  } catch (error) {
    return { error };
  }
}

/** Streams `bytes` from one reused buffer; what the caller would then report. */
function streamed(extractor: AnyExtractor, path: string, bytes: Uint8Array, chunk: number): Outcome {
  try {
    const sink = extractor.stream?.({ path, size: bytes.byteLength });
    if (sink === undefined) throw new TypeError(`${extractor.name} offers no stream`);
    const buffer = new Uint8Array(chunk);
    let at = 0;
    let stoppedAt = 0;
    while (at < bytes.byteLength) {
      const part = buffer.subarray(0, Math.min(chunk, bytes.byteLength - at));
      part.set(bytes.subarray(at, at + part.byteLength));
      stoppedAt = at;
      at += part.byteLength;
      if (!sink.write(part)) break;
    }
    const outcome = sink.end();
    if (outcome.$case === 'done') return { result: outcome.result };
    expect(stoppedAt, 'asked for the whole file after its head').toBeLessThan(STREAM_HEAD_BYTES);
    return whole(extractor, path, bytes);
  } catch (error) {
    return { error };
  }
}

const streaming = defaultRegistry.extractors.filter((e) => e.stream !== undefined);

describe('stream contract', () => {
  it('every streaming extractor has samples, and go-binary streams', () => {
    expect(Object.keys(streamSamples).sort()).toEqual(streaming.map((e) => e.name).sort());
    expect(streaming.map((e) => e.name)).toContain('go-binary');
  });
});

describe.each(streaming.map((e) => [e.name, e] as const))('stream contract: %s', (name, extractor) => {
  const path = 'usr/local/bin/app';

  it.each([1, 7, 65_536])('valid and hostile inputs in parts of %i bytes give what extract gives', (chunk) => {
    const inputs = [...(streamSamples[name]?.() ?? []), ...hostile()];
    for (const bytes of inputs) {
      const expected = whole(extractor, path, bytes);
      const got = streamed(extractor, path, bytes, chunk);
      if ('error' in got) expect(isStellaError(got.error), String(got.error)).toBe(true);
      expect(got).toEqual(expected);
    }
    expect(inputs.length).toBeGreaterThan(4);
  });
});
