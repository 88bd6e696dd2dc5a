/**
 * The streamed read gives what the whole-file read gives: every ELF file
 * the tests have — real Go binaries of every link mode, hand-built layouts,
 * the Node.js executable running the tests (a 90 MB C++ program), and
 * hostile cuts and headers — is read both ways, in several chunkings.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ExtractResult } from '../extractor.js';
import { ids } from '../fixtures.test-helper.js';
import { goBinaryExtractor } from './binary.js';
import { buildGoElf } from './elf.test-helper.js';
import type { GoElfOptions } from './elf.test-helper.js';
import { goProgramsForThisFile } from './go-programs.test-helper.js';

const PATH = 'usr/local/bin/app';
const whole = (contents: Uint8Array): ExtractResult => goBinaryExtractor.extract({ path: PATH, contents });

/** How a streamed read went: the result, whether the whole file was asked for, and how far it read. */
interface Streamed {
  result: ExtractResult;
  asked: 'done' | 'whole';
  read: number;
}

/** Feeds `bytes` in parts of `chunk` bytes (`size` as the stated size); reads whole if asked to. */
function streamed(bytes: Uint8Array, chunk: number, size = bytes.byteLength): Streamed {
  const sink = goBinaryExtractor.stream?.({ path: PATH, size });
  if (sink === undefined) return expect.fail('go-binary offers no stream');
  let read = 0;
  while (read < bytes.byteLength) {
    const part = new Uint8Array(bytes.subarray(read, read + chunk)); // a copy: Buffer#slice would be a view
    read += part.byteLength;
    const more = sink.write(part);
    part.fill(0xaa); // the caller may reuse a part as soon as write returns
    if (!more) break;
  }
  const outcome = sink.end();
  return outcome.$case === 'whole' ? { result: whole(bytes), asked: 'whole', read } : { result: outcome.result, asked: 'done', read };
}

function expectSameBothWays(bytes: Uint8Array, chunks: readonly number[] = [1, 7, 65_536]): Streamed[] {
  const expected = whole(bytes);
  return chunks.map((chunk) => {
    const got = streamed(bytes, chunk);
    expect(got.result, `chunks of ${chunk}`).toEqual(expected);
    return got;
  });
}

const programs = goProgramsForThisFile();
const binary = (name: string): Uint8Array => programs().binary(name);

describe('go-binary streamed: real binaries', () => {
  it('every binary the Go toolchain built reads the same both ways, and each is found', () => {
    const names = [...programs().binaries.keys()];
    expect(names).toContain('hello-external-nobuildid');
    for (const name of names) {
      const bytes = binary(name);
      expect(whole(bytes).packages.length, name).toBeGreaterThan(0);
      expectSameBothWays(bytes);
    }
  });

  it('a binary with the Go build-ID note is read whole after its first page, whatever the linker', () => {
    for (const name of ['hello-amd64', 'hello-386', 'hello-s390x', 'hello-mips', 'hello-stripped', 'hello-pie', 'hello-external', 'app']) {
      const [got] = expectSameBothWays(binary(name), [4096]);
      expect(got?.asked, name).toBe('whole');
      expect(got?.read, name).toBeLessThanOrEqual(8192);
    }
  });

  it('without the note (-buildid=) the data segment is searched as it passes; nothing after the strings is read', () => {
    for (const name of ['hello-nobuildid', 'hello-external-nobuildid']) {
      const bytes = binary(name);
      const [got] = expectSameBothWays(bytes, [4096]);
      expect(got?.asked, name).toBe('done');
      expect(got?.read, name).toBeLessThan(bytes.byteLength);
    }
  });

  it('the Node.js executable (not Go, 90 MB) is read up to its search window only, and nothing is found', () => {
    const bytes = readFileSync(process.execPath);
    for (const chunk of [65_536, 65_521]) {
      const got = streamed(bytes, chunk);
      expect(got).toMatchObject({ asked: 'done', result: { packages: [] } });
      expect(got.result.warnings).toBeUndefined();
      expect(got.read).toBeLessThan(bytes.byteLength);
    }
    expect(whole(bytes)).toEqual({ packages: [] });
  });

  it('every cut of a binary, stated at its own size, reads the same both ways', () => {
    for (const name of ['hello-amd64', 'hello-nobuildid']) {
      const full = binary(name);
      for (const length of [0, 4, 51, 52, 63, 64, 100, 200, 4096, 70_000, Math.floor(full.byteLength / 2), full.byteLength - 1]) {
        expectSameBothWays(full.subarray(0, length), [7, 65_536]);
      }
    }
  });

  it('a body that ends before its stated size is decided on what came, as the whole-file read of those bytes', () => {
    const full = binary('hello-nobuildid');
    const magic = full.indexOf(0xff, 0x110000);
    for (const length of [30, 100, 4096, 0x110000 + 8, magic + 40, magic + 200]) {
      const cut = full.subarray(0, length);
      expect(streamed(cut, 4096, full.byteLength).result, `cut at ${length}`).toEqual(whole(cut));
    }
  });

  it('the magic split across parts at every offset is still found', () => {
    const bytes = binary('hello-nobuildid');
    const magic = 0x110000;
    expect(bytes[magic]).toBe(0xff);
    const expected = whole(bytes);
    for (let k = 0; k <= 40; k++) {
      const sink = goBinaryExtractor.stream?.({ path: PATH, size: bytes.byteLength });
      const parts = [bytes.subarray(0, magic + k), bytes.subarray(magic + k, magic + k + 3), bytes.subarray(magic + k + 3)];
      for (const part of parts) if (sink?.write(part) !== true) break;
      expect(sink?.end(), `split at +${k}`).toEqual({ $case: 'done', result: expected });
    }
  });
});

describe('go-binary streamed: hand-built layouts', () => {
  const modinfo = 'mod\texample.com/tool\t(devel)\t\ndep\tgithub.com/pkg/errors\tv0.9.1\th1:x=\n';
  const shapes: GoElfOptions[] = [];
  for (const layout of ['inline', 'pointer'] as const) {
    for (const bits of [64, 32] as const) {
      for (const bigEndian of [false, true]) {
        for (const sections of [true, false]) shapes.push({ goVersion: 'go1.16.15', modinfo, layout, bits, bigEndian, sections, goNote: true });
      }
    }
  }

  it.each(shapes)('with the Go note: %o', (shape) => {
    const got = expectSameBothWays(buildGoElf(shape));
    expect(got.map((g) => g.asked)).toEqual(['whole', 'whole', 'whole']);
  });

  it('the inline layout without the note is read in the stream, in every word size and byte order', () => {
    for (const shape of shapes.filter((s) => s.layout === 'inline')) {
      const got = expectSameBothWays(buildGoElf({ ...shape, goNote: false }));
      expect(got.map((g) => g.asked)).toEqual(['done', 'done', 'done']);
      expect(ids(got[0]?.result ?? { packages: [] })).toEqual(['stdlib@1.16.15', 'github.com/pkg/errors@0.9.1']);
    }
  });

  it('the pre-1.18 pointer layout without the note gives a warning, never silence', () => {
    const bytes = buildGoElf({ goVersion: 'go1.16.15', modinfo, layout: 'pointer' });
    expect(ids(whole(bytes))).toEqual(['stdlib@1.16.15', 'github.com/pkg/errors@0.9.1']);
    for (const chunk of [1, 7, 65_536]) {
      expect(streamed(bytes, chunk).result).toEqual({
        packages: [],
        warnings: [`${PATH}: Go build info in the pre-Go-1.18 layout, in a binary without a Go build-ID note, cannot be read when streamed; no modules reported`],
      });
    }
  });

  it('not ELF: decided from the first bytes, nothing found, no warning', () => {
    const script = new TextEncoder().encode(`#!/bin/sh\n${'echo hi\n'.repeat(20_000)}`);
    const got = streamed(script, 7);
    expect(got).toMatchObject({ asked: 'done', result: { packages: [] } });
    expect(got.result.warnings).toBeUndefined();
    expect(got.read).toBeLessThanOrEqual(70);
    expectSameBothWays(new Uint8Array(0));
    expectSameBothWays(Uint8Array.of(0x7f, 0x45, 0x4c));
  });
});

describe('go-binary streamed: hostile headers', () => {
  const base = (): { bytes: Uint8Array; view: DataView } => {
    const bytes = buildGoElf({ goVersion: 'go1.20', modinfo: 'dep\tx.org/y\tv1.0.0\t\n', layout: 'inline', sections: false, goNote: true });
    return { bytes, view: new DataView(bytes.buffer) };
  };
  /** The same file followed by 200 KiB of zeros, so its head is far smaller than the file. */
  const padded = (bytes: Uint8Array): Uint8Array => {
    const out = new Uint8Array(bytes.byteLength + 200_000);
    out.set(bytes);
    return out;
  };

  it('program headers pointing past the file, in a small file and in a big one', () => {
    const { bytes, view } = base();
    view.setBigUint64(0x20, 0x7fff_ffffn, true); // e_phoff
    expectSameBothWays(bytes);
    expectSameBothWays(padded(bytes), [7, 65_536]);
    view.setBigUint64(0x20, 0xffff_ffff_ffff_fff0n, true);
    expectSameBothWays(bytes);
  });

  it('a huge program header count: the whole file when the table runs past the head, never a long loop', () => {
    const { bytes, view } = base();
    view.setUint16(0x38, 0xffff, true); // e_phnum
    expectSameBothWays(bytes);
    const big = padded(bytes);
    expect(streamed(big, 65_536).asked).toBe('whole');
    expectSameBothWays(big, [65_536]);
    view.setUint16(0x36, 0, true); // e_phentsize 0: every entry is the first
    expectSameBothWays(bytes);
  });

  it('a segment or note pointing past the file, and a note with a huge size', () => {
    const { bytes, view } = base();
    const data = 64; // the PT_LOAD header
    const note = 64 + 56; // the PT_NOTE header
    view.setBigUint64(data + 8, 0x10_0000_0000n, true); // p_offset of the data segment
    expectSameBothWays(bytes);
    const second = base();
    second.view.setBigUint64(note + 8, 0x10_0000_0000n, true); // the note segment past the file: no note seen
    expectSameBothWays(second.bytes);
    const third = base();
    third.view.setBigUint64(note + 32, 0xffff_ffffn, true); // p_filesz: the notes run to the end
    expectSameBothWays(third.bytes);
    expect(streamed(padded(third.bytes), 65_536).asked).toBe('whole');
    const fourth = base();
    fourth.view.setUint32(0x100 + 36 + 4, 0xffff_fff0, true); // the Go note's descriptor size
    expectSameBothWays(fourth.bytes);
  });

  it('a truncated ELF header', () => {
    const { bytes } = base();
    for (const length of [1, 4, 5, 6, 16, 51, 52, 53, 63, 64, 65, 120, 176]) expectSameBothWays(bytes.subarray(0, length));
  });

  it('a string length that runs past the file, split across parts', () => {
    const bytes = buildGoElf({ goVersion: 'go1.20', modinfo: 'dep\tx\tv1\t\n', layout: 'inline', sections: false });
    bytes[0x1000 + 32] = 0xff;
    bytes[0x1000 + 33] = 0xff;
    bytes[0x1000 + 34] = 0x7f;
    const [got] = expectSameBothWays(bytes);
    expect(got?.result.warnings).toEqual([`${PATH}: Go build info is unreadable (the Go version string overruns the file); no modules reported`]);
    for (let at = 0x1000 + 32; at < 0x1000 + 45; at++) bytes[at] = 0xff; // a varint longer than 8 bytes
    expectSameBothWays(bytes);
  });
});
