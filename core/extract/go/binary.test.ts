/**
 * Real binaries: built from two small programs by the Go toolchain
 * (go-programs.test-helper.ts). The pre-1.18 pointer layout, which this
 * toolchain no longer writes, is covered by hand-built ELF files
 * (elf.test-helper.ts).
 */
import { describe, expect, it } from 'vitest';
import type { ExtractResult } from '../extractor.js';
import { ids, registered } from '../fixtures.test-helper.js';
import { goBinaryExtractor, isGoBinaryCandidate } from './binary.js';
import { readGoBuildInfo } from './buildinfo.js';
import { buildGoElf } from './elf.test-helper.js';
import { ARCHES, goProgramsForThisFile } from './go-programs.test-helper.js';

const extract = (contents: Uint8Array, path = 'usr/local/bin/app'): ExtractResult => goBinaryExtractor.extract({ path, contents });

const programs = goProgramsForThisFile();
const binary = (name: string): Uint8Array => programs().binary(name);

describe('go-binary: real binaries from the Go toolchain', () => {
  it.each(ARCHES)('std-only program for %s: the standard library at the toolchain version', (arch) => {
    const result = extract(binary(`hello-${arch}`));
    expect(programs().goVersion).toMatch(/^go\d+\.\d+/);
    expect(ids(result)).toEqual([`stdlib@${programs().goVersion.slice(2)}`]);
    expect(result.warnings).toBeUndefined();
    expect(result.packages[0]).toEqual({ type: 'golang', name: 'stdlib', version: programs().goVersion.slice(2), sourceFile: 'usr/local/bin/app', evidence: 'installed' });
  });

  it('a stripped binary (-s -w) still carries its build info', () => {
    expect(ids(extract(binary('hello-stripped')))).toEqual([`stdlib@${programs().goVersion.slice(2)}`]);
  });

  it('dependencies: replaced modules report the replacement; a local-directory replacement is dropped', () => {
    const result = extract(binary('app'));
    expect(ids(result)).toEqual([`stdlib@${programs().goVersion.slice(2)}`, 'example.com/lib@1.2.3', 'example.com/new@0.2.0']);
    expect(result.warnings).toBeUndefined();
  });

  it('reads the same modules as `go version -m`', () => {
    const lines = programs()
      .go(['version', '-m', programs().path('app')])
      .split('\n')
      .map((line) => line.trim().split('\t'))
      .filter((fields) => fields[0] === 'dep' || fields[0] === 'mod' || fields[0] === '=>');
    const read = readGoBuildInfo(binary('app'));
    if (read.$case !== 'go') throw new TypeError(`expected build info, got ${read.$case}`);
    const ours = [read.info.main, ...read.info.deps].flatMap((m) => (m === undefined ? [] : [[m.path, m.version], ...(m.replace ? [[m.replace.path, m.replace.version]] : [])]));
    expect(ours).toEqual(lines.map((fields) => [fields[1], fields[2]]));
    expect(read.info.goVersion).toBe(programs().goVersion);
  });

  it('without section headers it falls back to the first writable segment, as Go does', () => {
    const copy = binary('hello-amd64').slice();
    const view = new DataView(copy.buffer);
    view.setBigUint64(0x28, 0n, true); // e_shoff
    view.setUint16(0x3c, 0, true); // e_shnum
    view.setUint16(0x3e, 0, true); // e_shstrndx
    expect(ids(extract(copy))).toEqual([`stdlib@${programs().goVersion.slice(2)}`]);
  });
});

describe('go-binary: hand-built layouts', () => {
  const modinfo = [
    'path\texample.com/cmd/tool',
    'mod\texample.com/tool\t(devel)\t',
    'dep\tgithub.com/pkg/errors\tv0.9.1\th1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=',
    'dep\tgolang.org/x/net\tv0.0.0-20200202094626-16171245cfb2',
    '=>\tgithub.com/fork/net\tv0.1.0\th1:abc=',
    'dep\texample.com/local\tv0.0.0',
    '=>\t../local\t(devel)\t',
    'build\t-compiler=gc',
    '',
  ].join('\n');
  const expected = ['stdlib@1.16.15', 'github.com/pkg/errors@0.9.1', 'github.com/fork/net@0.1.0'];

  it.each([
    [64, false],
    [32, false],
    [64, true],
    [32, true],
  ] as const)('pre-1.18 pointer layout, %i-bit, big-endian %s', (bits, bigEndian) => {
    const bytes = buildGoElf({ goVersion: 'go1.16.15', modinfo, layout: 'pointer', bits, bigEndian });
    expect(ids(extract(bytes))).toEqual(expected);
  });

  it('1.18+ inline layout, with and without section headers', () => {
    for (const sections of [true, false]) {
      const bytes = buildGoElf({ goVersion: 'go1.16.15', modinfo, layout: 'inline', sections });
      expect(ids(extract(bytes))).toEqual(expected);
    }
  });

  it('reports a main module stamped with a version (Go 1.24+), not a (devel) one', () => {
    const bytes = buildGoElf({ goVersion: 'go1.24.1 X:boringcrypto', modinfo: 'mod\tgithub.com/me/tool\tv1.4.0\th1:x=\n', layout: 'inline' });
    expect(ids(extract(bytes))).toEqual(['stdlib@1.24.1', 'github.com/me/tool@1.4.0']);
  });

  it('a binary built outside module mode has only the standard library', () => {
    expect(ids(extract(buildGoElf({ goVersion: 'go1.21rc2', modinfo: '', layout: 'inline' })))).toEqual(['stdlib@1.21rc2']);
  });

  it('a development toolchain gives no stdlib version, with a warning', () => {
    const result = extract(buildGoElf({ goVersion: 'devel go1.23-abcdef Tue', modinfo: 'dep\tx.org/y\tv1.0.0\t\n', layout: 'inline' }));
    expect(ids(result)).toEqual(['x.org/y@1.0.0']);
    expect(result.warnings).toEqual(['usr/local/bin/app: toolchain version "devel go1.23-abcdef Tue" is not a Go release; stdlib not reported']);
  });

  it('unreadable module lines are warnings; the rest is read', () => {
    const result = extract(buildGoElf({ goVersion: 'go1.20', modinfo: '=>\torphan\tv1\t\nweird\tline\ndep\tx.org/y\tv1.0.0\t\n', layout: 'inline' }));
    expect(ids(result)).toEqual(['stdlib@1.20', 'x.org/y@1.0.0']);
    expect(result.warnings).toEqual([
      'usr/local/bin/app: module info line 1: replacement without a module to replace',
      'usr/local/bin/app: module info line 2: unknown kind "weird"',
    ]);
  });

  it('not ELF, or ELF without Go build info: nothing, and no warning', () => {
    expect(extract(new TextEncoder().encode('#!/bin/sh\necho hi\n'))).toEqual({ packages: [] });
    const noMagic = buildGoElf({ goVersion: 'go1.20', modinfo: '', layout: 'inline' });
    noMagic[0x1000 + 1] = 0x21; // "\xff!Go buildinf:"
    expect(extract(noMagic)).toEqual({ packages: [] });
  });

  it('a length that runs past the file is a warning, not a crash', () => {
    const bytes = buildGoElf({ goVersion: 'go1.20', modinfo: 'dep\tx\tv1\t\n', layout: 'inline' });
    bytes[0x1000 + 32] = 0xff; // version length varint now continues into the string
    bytes[0x1000 + 33] = 0xff;
    bytes[0x1000 + 34] = 0x7f;
    const result = extract(bytes);
    expect(result.packages).toEqual([]);
    expect(result.warnings).toEqual(['usr/local/bin/app: Go build info is unreadable (the Go version string overruns the file); no modules reported']);
  });

  it('pointers outside every segment are a warning', () => {
    const bytes = buildGoElf({ goVersion: 'go1.16', modinfo: '', layout: 'pointer' });
    new DataView(bytes.buffer).setBigUint64(0x1000 + 16, 0xdead_beefn, true);
    expect(extract(bytes).warnings).toEqual(['usr/local/bin/app: Go build info is unreadable (the Go version string points outside the file); no modules reported']);
  });

  it('every truncation of a real binary gives a result', () => {
    const full = binary('hello-amd64');
    for (const length of [0, 4, 52, 63, 64, 200, 4096, 70_000, Math.floor(full.byteLength / 2), full.byteLength - 1]) {
      const result = extract(full.subarray(0, length));
      expect(Array.isArray(result.packages)).toBe(true);
    }
  });

  it('refuses a file over the limit without reading it', () => {
    let thrown: unknown;
    try {
      registered('go-binary').extract({ path: 'usr/local/bin/app', contents: new Uint8Array(goBinaryExtractor.maxFileSize + 1) });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });
});

describe('go-binary: which files', () => {
  it.each([
    ['usr/local/bin/kubectl', true],
    ['usr/bin/containerd', true],
    ['usr/sbin/tool', true],
    ['bin/app', true],
    ['opt/vendor/bin/agent', true],
    ['root/go/bin/gopls', true],
    ['usr/libexec/docker/cli-plugins/docker-buildx', true],
    ['usr/local/lib/docker/cli-plugins/docker-compose', true],
    ['manager', true],
    ['app/server', true],
    ['ko-app/controller', true],
    ['usr/lib/x86_64-linux-gnu/libc.so.6', false],
    ['usr/bin/python3.11', false],
    ['usr/local/bin/run.sh', false],
    ['usr/bin/.hidden', false],
    ['usr/share/doc/README', false],
    ['srv/app/server', false],
    ['app/config/settings', false],
    ['.dockerenv', false],
    ['usr/local/bin/', false],
  ])('%s → %s', (path, wanted) => {
    expect(isGoBinaryCandidate(path)).toBe(wanted);
  });
});
