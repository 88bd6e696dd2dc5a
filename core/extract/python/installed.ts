/**
 * The `python-installed` extractor: Python distributions installed in a
 * target, read from their core metadata.
 *
 * Files, at any depth (system `dist-packages`, virtualenvs, `/usr/local`):
 * - `<name>-<version>.dist-info/METADATA` (wheels, modern pip);
 * - `<name>-<version>.egg-info/PKG-INFO` (setuptools, Debian's python3-* packages);
 * - `<name>-<version>.egg-info` as a single file (distutils writes PKG-INFO there);
 * - `<name>-<version>.egg/EGG-INFO/PKG-INFO` (zipped-egg folders).
 *
 * The metadata is in email-header form: the `Name:` and `Version:` headers
 * before the first blank line say which distribution this is (the folder
 * name escapes and normalises both, so it is not used). The long
 * description after the blank line is not read. A file without both
 * headers is a warning and yields no package.
 *
 * @example
 *   pythonInstalledExtractor.extract({
 *     path: 'usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA',
 *     contents: new TextEncoder().encode('Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n\nlong text'),
 *   }).packages;
 *   // [{ type: 'pypi', name: 'six', version: '1.16.0', evidence: 'installed', … }]
 */
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { decodeText } from './common.js';
import { basename } from '../path-name.js';

/**
 * METADATA holds the whole README as the long description; a few MiB is already a very long README.
 *
 * @example
 *   pythonInstalledExtractor.maxFileSize === PYTHON_METADATA_MAX_FILE_SIZE; // true
 */
export const PYTHON_METADATA_MAX_FILE_SIZE = 8 * 1024 * 1024;

/**
 * True for the core-metadata file of an installed Python distribution.
 *
 * @example
 *   isPythonMetadata('venv/lib/python3.12/site-packages/idna-3.7.dist-info/METADATA'); // true
 *   isPythonMetadata('usr/lib/python3/dist-packages/six-1.16.0.egg-info');            // true
 *   isPythonMetadata('src/foo/METADATA');                                             // false
 */
export function isPythonMetadata(path: string): boolean {
  if (path.endsWith('/METADATA')) return hasSuffixedName(parentOf(path), '.dist-info');
  if (path.endsWith('/PKG-INFO')) {
    const folder = parentOf(path);
    if (hasSuffixedName(folder, '.egg-info')) return true;
    return basename(folder) === 'EGG-INFO' && hasSuffixedName(parentOf(folder), '.egg');
  }
  return hasSuffixedName(path, '.egg-info');
}

/**
 * The installed-distribution extractor; see the module comment.
 *
 * @example
 *   pythonInstalledExtractor.fileRequired('site-packages/idna-3.7.dist-info/METADATA'); // true
 */
export const pythonInstalledExtractor: Extractor = {
  name: 'python-installed',
  maxFileSize: PYTHON_METADATA_MAX_FILE_SIZE,
  fileRequired: isPythonMetadata,
  extract: extractMetadata,
};

function extractMetadata({ path, contents }: ExtractInput): ExtractResult {
  const headers = readHeaders(decodeText(path, contents, 'Python package metadata'));
  const name = headers.get('name');
  const version = headers.get('version');
  if (name === undefined || version === undefined) {
    return { packages: [], warnings: [`${path}: no "Name" and "Version" headers; not reported`] };
  }
  return { packages: [{ type: 'pypi', name, version, sourceFile: path, evidence: 'installed' } satisfies ExtractedPackage] };
}

/**
 * The header block (up to the first blank line) as lower-cased name → first
 * value. Continuation lines (leading whitespace) only extend headers we do
 * not read, so they are passed over.
 */
function readHeaders(text: string): Map<string, string> {
  const blank = /\r?\n[ \t]*\r?\n/.exec(text);
  const block = blank === null ? text : text.slice(0, blank.index);
  const headers = new Map<string, string>();
  for (const line of block.split('\n')) {
    if (/^[ \t]/.test(line)) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (value !== '' && !headers.has(key)) headers.set(key, value);
  }
  return headers;
}

/** True when the last segment of `path` is `<something><suffix>`. */
function hasSuffixedName(path: string, suffix: string): boolean {
  const name = basename(path);
  return name.length > suffix.length && name.endsWith(suffix);
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}
