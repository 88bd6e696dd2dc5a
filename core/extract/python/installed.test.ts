import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTarget } from '../../../agent/image/index.js';
import { imagesDir } from '../../../test/helpers/paths.js';
import type { Extractor } from '../extractor.js';
import { encode, expectStellaError } from '../fixtures.test-helper.js';
import { isPythonMetadata, pythonInstalledExtractor } from './installed.js';

const extract = (path: string, text: string) => pythonInstalledExtractor.extract({ path, contents: encode(text) });

describe('python-installed: which files', () => {
  it.each([
    ['usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA', true],
    ['venv/lib/python3.12/site-packages/idna-3.7.dist-info/METADATA', true],
    ['usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info/PKG-INFO', true],
    ['usr/lib/python3/dist-packages/chardet-5.1.0.egg-info', true],
    ['usr/local/lib/python3.11/site-packages/foo-1.0-py3.11.egg/EGG-INFO/PKG-INFO', true],
    ['src/mypkg.egg-info/PKG-INFO', true],
    ['usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD', false],
    ['usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA.bak', false],
    ['usr/lib/python3/dist-packages/.dist-info/METADATA', false],
    ['usr/lib/python3/dist-packages/foo/METADATA', false],
    ['usr/lib/python3/dist-packages/foo/PKG-INFO', false],
    ['usr/lib/python3/dist-packages/EGG-INFO/PKG-INFO', false],
    ['usr/lib/python3/dist-packages/chardet-5.1.0.egg-info/top_level.txt', false],
    ['METADATA', false],
    ['PKG-INFO', false],
  ])('%s → %s', (path, wanted) => {
    expect(isPythonMetadata(path)).toBe(wanted);
  });
});

describe('python-installed: extract', () => {
  it('dist-info METADATA: Name and Version from the headers, not the folder name', () => {
    const path = 'venv/lib/python3.12/site-packages/typing_extensions-4.12.2.dist-info/METADATA';
    const text = [
      'Metadata-Version: 2.1',
      'Name: typing_extensions',
      'Version: 4.12.2',
      'Summary: Backported and Experimental Type Hints for Python 3.8+',
      'Classifier: Programming Language :: Python :: 3',
      'Requires-Python: >=3.8',
      'Description-Content-Type: text/markdown',
      '',
      '# Typing Extensions',
      'Name: not-this',
      'Version: 0.0.0',
    ].join('\n');
    expect(extract(path, text)).toEqual({
      packages: [{ type: 'pypi', name: 'typing_extensions', version: '4.12.2', sourceFile: path, evidence: 'installed' }],
    });
  });

  it('egg-info PKG-INFO (setuptools, as Debian ships them) with folded headers and CRLF', () => {
    const path = 'usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info/PKG-INFO';
    const text = 'Metadata-Version: 1.2\r\nName: python-apt\r\nVersion: 2.6.0\r\nSummary: Python bindings for APT\r\nDescription: first line\r\n        second line\r\n        Version: 9.9.9\r\nPlatform: UNKNOWN\r\n';
    expect(extract(path, text).packages).toEqual([{ type: 'pypi', name: 'python-apt', version: '2.6.0', sourceFile: path, evidence: 'installed' }]);
  });

  it('a single-file .egg-info and header names in any case', () => {
    const path = 'usr/lib/python3/dist-packages/chardet-5.1.0.egg-info';
    expect(extract(path, 'metadata-version: 1.1\nNAME: chardet\nversion:   5.1.0  \n').packages[0]).toMatchObject({ name: 'chardet', version: '5.1.0' });
  });

  it('without Name or Version: no package, one warning naming the file', () => {
    for (const text of ['Metadata-Version: 2.1\nName: x\n', 'Version: 1.0\n', 'Name:\nVersion: 1.0\n', '', '\n\nName: x\nVersion: 1.0\n']) {
      const result = extract('a-1.0.dist-info/METADATA', text);
      expect(result.packages).toEqual([]);
      expect(result.warnings).toEqual(['a-1.0.dist-info/METADATA: no "Name" and "Version" headers; not reported']);
    }
  });

  it('binary data throws a StellaError naming the file', () => {
    expect(expectStellaError(() => pythonInstalledExtractor.extract({ path: 'x-1.dist-info/METADATA', contents: new Uint8Array(16) })).message).toMatch(/^x-1\.dist-info\/METADATA: binary data/);
  });
});

describe('python-installed: the real debian-node image', () => {
  const image = join(imagesDir, 'debian-node.oci.tar');

  // The image's python3 layer is `apt-get install --no-install-recommends python3`
  // (shared/tools/make-images.sh): the interpreter and its standard library, and an
  // empty usr/lib/python3/dist-packages. It holds no installed distribution, so the
  // true result is none — and none of its thousand stdlib files may be mistaken for one.
  it('its python3 layer holds the stdlib and no distribution metadata, and yields no package', async () => {
    const seen: string[] = [];
    const probe: Extractor = {
      name: 'probe-python',
      maxFileSize: 64 * 1024 * 1024,
      fileRequired: (path) => path.startsWith('usr/lib/python3'),
      extract: ({ path }) => {
        seen.push(path);
        return { packages: [] };
      },
    };
    const inventory = await readTarget(image, { extractors: [probe, pythonInstalledExtractor] });
    expect(seen).toContain('usr/lib/python3.11/os.py');
    expect(seen.length).toBeGreaterThan(500);
    expect(seen.filter(isPythonMetadata)).toEqual([]);
    expect(inventory.packages.filter((p) => p.type === 'pypi')).toEqual([]);
    expect(inventory.warnings.filter((w) => w.includes('python'))).toEqual([]);
  });
});
