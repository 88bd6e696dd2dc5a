/**
 * Folder files read in parts: the same packages and listing digest as whole
 * reads, the digest still covering every byte of a file read only in part.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyExtractor } from '../../core/extract/extractor.js';
import { goBinaryExtractor } from '../../core/extract/go/binary.js';
import { buildGoElf } from '../../core/extract/go/elf.test-helper.js';
import { streamExtract } from './file-stream.js';
import { readTarget } from './read-target.js';

const modinfo = 'mod\texample.com/tool\t(devel)\t\ndep\tgithub.com/pkg/errors\tv0.9.1\th1:x=\n';
const notGo = ((): Uint8Array => {
  const out = new Uint8Array(3_000_000);
  const bytes = buildGoElf({ goVersion: 'go1.21.3', modinfo, layout: 'inline' });
  bytes[0x1000 + 1] = 0x21; // no magic
  out.set(bytes);
  for (let i = bytes.byteLength; i < out.byteLength; i++) out[i] = i & 0xff;
  return out;
})();
const files = {
  'usr/local/bin/go-whole': buildGoElf({ goVersion: 'go1.16.15', modinfo, layout: 'pointer', goNote: true }),
  'usr/local/bin/go-inline': buildGoElf({ goVersion: 'go1.21.3', modinfo, layout: 'inline', sections: false }),
  'usr/bin/not-go': notGo,
  'usr/bin/script': new TextEncoder().encode('#!/bin/sh\necho hi\n'),
  'usr/bin/empty': new Uint8Array(0),
};
// The same extractor without `stream`: every file read whole, as before streaming existed.
const wholeOnly: AnyExtractor[] = [{ name: goBinaryExtractor.name, maxFileSize: goBinaryExtractor.maxFileSize, fileRequired: goBinaryExtractor.fileRequired, extract: goBinaryExtractor.extract }];

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stella-filestream-'));
  for (const [name, body] of Object.entries(files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), body);
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('folder files read as streams', () => {
  it('readTarget: the same packages, warnings and listing digest as whole reads', async () => {
    const streamed = await readTarget(root, { extractors: [goBinaryExtractor] });
    expect(streamed).toEqual(await readTarget(root, { extractors: wholeOnly }));
    expect(streamed.packages.map((p) => `${p.sourceFile} ${p.name}`).sort()).toEqual([
      'usr/local/bin/go-inline github.com/pkg/errors',
      'usr/local/bin/go-inline stdlib',
      'usr/local/bin/go-whole github.com/pkg/errors',
      'usr/local/bin/go-whole stdlib',
    ]);
  });

  it('a hash given is fed every byte, though the extractor stopped after its search window', async () => {
    const hash = createHash('sha256');
    const warnings: string[] = [];
    const packages = await streamExtract(join(root, 'usr/bin/not-go'), { path: 'usr/bin/not-go', size: notGo.byteLength }, [goBinaryExtractor], (m) => warnings.push(m), hash);
    expect({ packages, warnings }).toEqual({ packages: [], warnings: [] });
    expect(hash.digest('hex')).toBe(createHash('sha256').update(notGo).digest('hex'));
  });
});
