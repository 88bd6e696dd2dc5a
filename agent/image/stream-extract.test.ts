/**
 * Files handed to extractors as streams: the same packages and warnings as a
 * whole read, whatever the parts; the whole file gathered when an extractor
 * asks for it; failures as warnings. Then readTarget end to end on an image,
 * with and without streaming: the same inventory (folders: file-stream.test.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StellaError } from '../../core/errors.js';
import { STREAM_HEAD_BYTES } from '../../core/extract/extractor.js';
import type { AnyExtractor, Extractor } from '../../core/extract/extractor.js';
import { goBinaryExtractor } from '../../core/extract/go/binary.js';
import { buildGoElf } from '../../core/extract/go/elf.test-helper.js';
import type { ExtractedPackage } from '../../core/model/package.js';
import { dockerArchive, layerTar, presence } from './image.test-helper.js';
import { readTarget } from './read-target.js';
import { runExtractors } from './run-extractors.js';
import { StreamedFile, canStream } from './stream-extract.js';

const PATH = 'usr/local/bin/tool';
const modinfo = 'mod\texample.com/tool\t(devel)\t\ndep\tgithub.com/pkg/errors\tv0.9.1\th1:x=\n';
/** A Go binary (the note: read whole, pre-1.18 pointers), one read in the stream (inline, no note), and a C-like ELF. */
const goWhole = buildGoElf({ goVersion: 'go1.16.15', modinfo, layout: 'pointer', goNote: true });
const goInline = buildGoElf({ goVersion: 'go1.21.3', modinfo, layout: 'inline', sections: false });
const notGo = ((): Uint8Array => {
  const bytes = buildGoElf({ goVersion: 'go1.21.3', modinfo, layout: 'inline' });
  bytes[0x1000 + 1] = 0x21; // no magic
  const out = new Uint8Array(300_000);
  out.set(bytes);
  return out;
})();

/** Takes the first `want` bytes of a file and reports their sum as a version; `whole` after the head when asked. */
function counter(name: string, want: number, options: { whole?: 'early' | 'late'; fail?: boolean } = {}): Extractor {
  const sum = (bytes: Uint8Array): ExtractedPackage => ({ type: 'npm', name, version: String(bytes.reduce((a, b) => a + b, 0)), sourceFile: PATH, evidence: 'installed' });
  return {
    name,
    maxFileSize: 1 << 30,
    fileRequired: () => true,
    extract: ({ contents }) => ({ packages: [sum(contents.subarray(0, want))], warnings: [`${name} read whole`] }),
    stream: () => {
      const seen: number[] = [];
      return {
        write: (part) => {
          if (options.fail === true) throw new StellaError('IMAGE_INVALID', `${PATH}: ${name} cannot read this`);
          for (const byte of part) if (seen.length < want) seen.push(byte);
          return seen.length < want;
        },
        end: () => (options.whole !== undefined ? { $case: 'whole' } : { $case: 'done', result: { packages: [sum(Uint8Array.from(seen))], warnings: [`${name} streamed`] } }),
      };
    },
  };
}

/** Runs `extractors` over `bytes` in parts of `chunk` bytes, from one reused buffer, as the tar parser may. */
function run(extractors: readonly AnyExtractor[], bytes: Uint8Array, chunk: number): { packages: ExtractedPackage[]; warnings: string[]; read: number } {
  const warnings: string[] = [];
  let packages: ExtractedPackage[] | undefined;
  const file = new StreamedFile(extractors, { path: PATH, size: bytes.byteLength }, (m) => warnings.push(m), (result) => {
    if (result instanceof Promise) throw new TypeError('no asynchronous extractor here');
    packages = result;
  });
  const reused = new Uint8Array(chunk);
  let read = 0;
  while (read < bytes.byteLength) {
    const part = reused.subarray(0, Math.min(chunk, bytes.byteLength - read));
    part.set(bytes.subarray(read, read + part.byteLength));
    read += part.byteLength;
    if (!file.write(part)) break;
  }
  file.end();
  if (packages === undefined) return expect.fail('the packages were never handed over');
  return { packages, warnings, read };
}

function wholeRun(extractors: readonly AnyExtractor[], bytes: Uint8Array): { packages: ExtractedPackage[]; warnings: string[] } {
  const warnings: string[] = [];
  const packages = runExtractors(extractors, PATH, bytes, (m) => warnings.push(m));
  if (packages instanceof Promise) throw new TypeError('no asynchronous extractor here');
  return { packages, warnings };
}

describe('StreamedFile', () => {
  it('gives what a whole read gives, for files read in the stream and files gathered whole, from reused parts of any size', () => {
    for (const bytes of [goWhole, goInline, notGo]) {
      const expected = wholeRun([goBinaryExtractor], bytes);
      for (const chunk of [1, 7, 4096, STREAM_HEAD_BYTES + 1000, bytes.byteLength]) {
        expect(run([goBinaryExtractor], bytes, chunk)).toMatchObject(expected);
      }
    }
    expect(wholeRun([goBinaryExtractor], goWhole).packages.map((p) => p.name)).toEqual(['stdlib', 'github.com/pkg/errors']);
  });

  it('stops reading once no extractor wants more; reads to the end when one asked for the whole file', () => {
    expect(run([goBinaryExtractor], notGo, 4096).read).toBeLessThan(notGo.byteLength);
    expect(run([goBinaryExtractor], goWhole, 4096).read).toBe(goWhole.byteLength);
    expect(run([counter('a', 10)], notGo, 4096).read).toBe(4096);
  });

  it('several extractors: packages and warnings in extractor order, each done as soon as it can be', () => {
    const extractors = [counter('first', 5000), goBinaryExtractor, counter('third', 3, { whole: 'early' })];
    const got = run(extractors, goInline, 1000);
    expect(got.packages.map((p) => p.name)).toEqual(['first', 'stdlib', 'github.com/pkg/errors', 'third']);
    expect(got.warnings).toEqual(['first streamed', 'third read whole']);
    expect(got.packages[0]?.version).toBe(String(goInline.subarray(0, 5000).reduce((a, b) => a + b, 0)));
    expect(got.read).toBe(goInline.byteLength);
  });

  it('an extractor reading to the last byte may still ask for the whole file, if that part began within the head', () => {
    const reader = counter('reader', Infinity, { whole: 'early' });
    for (const [bytes, chunk] of [[notGo, notGo.byteLength], [goInline, 1000]] as const) {
      const got = run([reader], bytes, chunk);
      expect(got.warnings, `parts of ${chunk}`).toEqual(['reader read whole']);
      expect(got.packages[0]?.version).toBe(String(bytes.reduce((a, b) => a + b, 0)));
    }
    expect(run([reader], notGo, 1000).warnings).toEqual([`${PATH}: reader asked for the whole file after its first ${STREAM_HEAD_BYTES} bytes; not read`]);
  });

  it('an extractor that fails is a warning; the others go on', () => {
    const got = run([counter('broken', 10, { fail: true }), goBinaryExtractor], goInline, 7);
    expect(got.warnings).toEqual([`${PATH}: broken cannot read this`]);
    expect(got.packages.map((p) => p.name)).toEqual(['stdlib', 'github.com/pkg/errors']);
  });

  it('an extractor asking for the whole file after its head breaks the contract: a warning, not a wrong result', () => {
    const late = counter('late', STREAM_HEAD_BYTES + 10, { whole: 'late' });
    const got = run([late], notGo, 4096);
    expect(got).toMatchObject({ packages: [], warnings: [`${PATH}: late asked for the whole file after its first ${STREAM_HEAD_BYTES} bytes; not read`] });
  });

  it('a file longer than its stated size (grown while a folder was read) is cut at that size, not overrun', () => {
    const size = goWhole.byteLength - 100;
    let packages: unknown;
    const file = new StreamedFile([goBinaryExtractor], { path: PATH, size }, () => undefined, (r) => void (packages = r));
    for (let at = 0; at < goWhole.byteLength; at += 1000) if (!file.write(goWhole.subarray(at, at + 1000))) break;
    file.end();
    expect(packages).toEqual(wholeRun([goBinaryExtractor], goWhole.subarray(0, size)).packages);
  });

  it('an empty file is decided at once', () => {
    const seen: ExtractedPackage[][] = [];
    const file = new StreamedFile([goBinaryExtractor], { path: PATH, size: 0 }, () => undefined, (r) => void (Array.isArray(r) && seen.push(r)));
    expect(seen).toEqual([[]]);
    expect(file.write(new Uint8Array(1))).toBe(false);
  });

  it('streams only when every extractor can', () => {
    expect(canStream([goBinaryExtractor])).toBe(true);
    expect(canStream([goBinaryExtractor, presence([PATH])])).toBe(false);
    expect(canStream([])).toBe(false);
  });
});

describe('readTarget with streamed files: the same inventory as whole reads', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stella-stream-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const streaming: AnyExtractor[] = [goBinaryExtractor];
  // The same extractor without `stream`: every file read whole, as before streaming existed.
  const wholeOnly: AnyExtractor[] = [{ name: goBinaryExtractor.name, maxFileSize: goBinaryExtractor.maxFileSize, fileRequired: goBinaryExtractor.fileRequired, extract: goBinaryExtractor.extract }];
  const files = {
    'usr/local/bin/go-whole': goWhole,
    'usr/local/bin/go-inline': goInline,
    'usr/bin/not-go': notGo,
    'usr/bin/script': new TextEncoder().encode('#!/bin/sh\necho hi\n'),
    'usr/bin/empty': new Uint8Array(0),
  };

  it('an image layer, with a hardlink to a Go binary read in the second pass', async () => {
    const layer = await layerTar([
      ...Object.entries(files).map(([name, body]) => ({ name, body: Buffer.from(body) })),
      { name: 'usr/sbin/go-link', type: 'link' as const, linkname: 'usr/local/bin/go-whole' },
    ]);
    const file = await dockerArchive(dir, 'go.tar', [layer], { gzipLayers: true });
    const streamed = await readTarget(file, { extractors: streaming });
    expect(streamed).toEqual(await readTarget(file, { extractors: wholeOnly }));
    expect(streamed.packages.map((p) => `${p.sourceFile} ${p.name}`)).toEqual(expect.arrayContaining(['usr/sbin/go-link stdlib', 'usr/local/bin/go-inline github.com/pkg/errors', 'usr/local/bin/go-whole stdlib']));
  });

  it('a hardlink to a file the same stream extractors found nothing in needs no second pass, and gives the same inventory', async () => {
    const layer = await layerTar([
      ...Object.entries(files).map(([name, body]) => ({ name, body: Buffer.from(body) })),
      { name: 'usr/sbin/not-go-link', type: 'link' as const, linkname: 'usr/bin/not-go' },
      { name: 'usr/sbin/script-link', type: 'link' as const, linkname: 'usr/bin/script' },
      { name: 'usr/sbin/go-link', type: 'link' as const, linkname: 'usr/local/bin/go-whole' },
    ]);
    const file = await dockerArchive(dir, 'links.tar', [layer], { gzipLayers: true });
    // Files read whole (the second pass stores a hardlink's target through `extract`), by path.
    const readWhole: string[] = [];
    const spied: AnyExtractor = {
      ...goBinaryExtractor,
      extract: (input) => {
        readWhole.push(input.path);
        return goBinaryExtractor.extract(input);
      },
    };
    const streamed = await readTarget(file, { extractors: [spied] });
    expect(streamed).toEqual(await readTarget(file, { extractors: wholeOnly }));
    expect(readWhole).not.toContain('usr/sbin/not-go-link');
    expect(readWhole).not.toContain('usr/sbin/script-link');
    // A target that yielded packages is still read again for its link: the link's packages are its own.
    expect(readWhole).toContain('usr/sbin/go-link');
  });
});
