import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { hostileDir, sharedData } from '../../test/helpers/paths.js';
import { isStellaError } from '../errors.js';
import { canonicalPurl } from '../purl/index.js';
import { MAX_WARNINGS } from './collect.js';
import type { SbomDocument } from './read.js';
import { readSbom } from './read.js';

const cyclonedxDir = join(sharedData, 'formats', 'cyclonedx');
const encoder = new TextEncoder();
const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));
const cdx = (components: unknown[], extra: Record<string, unknown> = {}): Uint8Array =>
  json({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components, ...extra });

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isStellaError(error)) return error;
    throw error;
  }
  throw new Error('expected a StellaError, nothing was thrown');
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** Test oracle: canonical purls of every component in the CycloneDX tree (trusted files, so plain recursion). */
function componentPurls(doc: Record<string, unknown>): { valid: Set<string>; invalid: number } {
  const valid = new Set<string>();
  let invalid = 0;
  const walk = (list: unknown): void => {
    if (!Array.isArray(list)) return;
    for (const c of list as Record<string, unknown>[]) {
      if (typeof c['purl'] === 'string') {
        try {
          valid.add(canonicalPurl(c['purl']));
        } catch {
          invalid++;
        }
      }
      walk(c['components']);
    }
  };
  walk(doc['components']);
  walk((doc['metadata'] as { component?: { components?: unknown } } | undefined)?.component?.components);
  return { valid, invalid };
}

function expectWellFormed(sbom: SbomDocument): void {
  for (const text of [...sbom.warnings, ...sbom.components.flatMap((c) => [c.purl, c.name, c.version]), sbom.name ?? '']) {
    expect(text).not.toMatch(/[\u0000-\u001f]|\p{Cs}/u);
  }
}

describe('readSbom: CycloneDX', () => {
  it('flattens nested components, keeps the first of repeated purls and canonicalises purls', () => {
    const sbom = readSbom('nested.json', cdx([
      { type: 'library', name: 'core', group: '@babel', version: '7.0.0', purl: 'pkg:npm/@babel/core@7.0.0',
        components: [{ type: 'library', name: 'inner', version: '1.0.0', purl: 'pkg:npm/inner@1.0.0', components: [{ type: 'library', name: 'deep', version: '2', purl: 'pkg:npm/deep@2' }] }] },
      { type: 'library', name: 'inner', version: '1.0.0', purl: 'pkg:npm/inner@1.0.0' },
      { type: 'library', name: 'no-purl', version: '1' },
    ], { metadata: { component: { type: 'application', name: 'my-app', components: [{ type: 'library', name: 'sub', version: '3', purl: 'pkg:npm/sub@3' }] } } }));
    expect(sbom).toMatchObject({ format: 'cyclonedx', specVersion: '1.6', name: 'my-app' });
    expect(sbom.components).toEqual([
      { purl: 'pkg:npm/%40babel/core@7.0.0', name: 'core', version: '7.0.0' },
      { purl: 'pkg:npm/deep@2', name: 'deep', version: '2' },
      { purl: 'pkg:npm/inner@1.0.0', name: 'inner', version: '1.0.0' },
      { purl: 'pkg:npm/sub@3', name: 'sub', version: '3' },
    ]);
    expect(sbom.warnings).toEqual(['nested.json: 1 component(s) without a purl skipped (e.g. "no-purl")']);
  });

  it('takes name and version from the purl when the component has none', () => {
    const sbom = readSbom('bare.json', cdx([{ type: 'library', purl: 'pkg:npm/%40scope/pkg@1.2.3' }]));
    expect(sbom.components).toEqual([{ purl: 'pkg:npm/%40scope/pkg@1.2.3', name: '@scope/pkg', version: '1.2.3' }]);
  });

  it("takes the purl's version when the version field differs only by a v or go prefix, and keeps a real disagreement", () => {
    const sbom = readSbom('go.json', cdx([
      { type: 'library', name: 'stdlib', version: 'go1.22.1', purl: 'pkg:golang/stdlib@1.22.1' },
      { type: 'library', name: 'github.com/gin-gonic/gin', version: '1.6.0', purl: 'pkg:golang/github.com/gin-gonic/gin@v1.6.0' },
      { type: 'library', name: 'left-pad', version: 'v1.0.0', purl: 'pkg:npm/left-pad@1.0.0' },
      { type: 'library', name: 'lodash', version: '4.17.21', purl: 'pkg:npm/lodash@4.17.20' },
      { type: 'library', name: 'gopher', version: 'go', purl: 'pkg:npm/gopher@1' },
    ]));
    expect(sbom.components.map((c) => [c.name, c.version])).toEqual([
      ['github.com/gin-gonic/gin', 'v1.6.0'],
      ['stdlib', '1.22.1'],
      ['gopher', 'go'],
      ['left-pad', '1.0.0'],
      ['lodash', '4.17.21'],
    ]);
    expect(sbom.warnings).toEqual([]);
  });

  it('skips over-long versions and names, control characters and bad purls, with one warning each', () => {
    const sbom = readSbom('bad.json', cdx([
      { name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20' },
      { name: 'long', version: '1'.repeat(257), purl: 'pkg:npm/long@1' },
      { name: 'n'.repeat(1025), version: '1', purl: 'pkg:npm/n@1' },
      { name: 'ctl', version: '1\n[ERROR] forged', purl: 'pkg:npm/ctl@1' },
      { name: 'bad', version: '1', purl: 'pkg:npm/%zz@1' },
      { name: 'num', version: '1', purl: 42 },
      'not an object',
    ]));
    expect(sbom.components.map((c) => c.purl)).toEqual(['pkg:npm/lodash@4.17.20']);
    expect(sbom.warnings).toEqual([
      'bad.json: components[1] skipped: version is 257 characters long (limit 256)',
      'bad.json: components[2] skipped: name is 1025 characters long (limit 1024)',
      'bad.json: components[3] skipped: version "1\\\\u000a[ERROR] forged" contains a control character',
      'bad.json: components[4] skipped: invalid purl "pkg:npm/%zz@1": unable to decode "name" component',
      'bad.json: components[5] skipped: purl is a number, not a string',
      'bad.json: components[6] is not an object; skipped',
    ]);
  });

  it('caps the number of warnings', () => {
    const many = Array.from({ length: MAX_WARNINGS + 50 }, (_, i) => ({ name: `x${i}`, version: '1', purl: `bad${i}` }));
    const sbom = readSbom('many.json', cdx(many));
    expect(sbom.warnings).toHaveLength(MAX_WARNINGS + 1);
    expect(sbom.warnings.at(-1)).toBe('many.json: 50 more warning(s) not shown');
  });

  it('refuses unsupported spec versions and documents of no known format', () => {
    expect(thrown(() => readSbom('old.json', json({ bomFormat: 'CycloneDX', specVersion: '1.1' })))).toMatchObject({
      code: 'SBOM_INVALID', message: 'old.json: CycloneDX specVersion "1.1" is not supported (JSON 1.2 to 1.7)',
    });
    expect(thrown(() => readSbom('x.json', json({ hello: 'world' })))).toMatchObject({
      code: 'SBOM_INVALID', message: 'x.json: not a CycloneDX or SPDX JSON document (no bomFormat, no spdxVersion)',
    });
    expect(thrown(() => readSbom('arr.json', json([1, 2])))).toMatchObject({
      code: 'SBOM_INVALID', message: 'arr.json: not an SBOM: the top-level JSON value is an array, not an object',
    });
  });
});

describe('readSbom: hostile JSON basics', () => {
  it('reports malformed JSON with the file name and position, on one line', () => {
    const error = thrown(() => readSbom('broken.json', encoder.encode('{\n "bomFormat": "CycloneDX",\n "components" 1\n}')));
    expect(error.code).toBe('JSON_INVALID');
    expect(error.message).toBe('broken.json: malformed JSON: Unexpected number in JSON at position 43 (line 3 column 15)');
    const truncated = thrown(() => readSbom('cut.json', encoder.encode('{\n "components": [1,\n')));
    expect(truncated.message).toBe('cut.json: malformed JSON: Unexpected end of JSON input (line 3 column 1)');
    // Some V8 messages quote the input instead of giving a position: the quote is escaped onto one line.
    const quoted = thrown(() => readSbom('q.json', encoder.encode('{"a": \n x}')));
    expect(quoted.message).toBe('q.json: malformed JSON: Unexpected token \'x\', "{"a": \\u000a x}" is not valid JSON');
  });

  it('enforces the size cap before reading and the depth cap before parsing', () => {
    expect(thrown(() => readSbom('big.json', cdx([]), { maxBytes: 10, maxDepth: 256 }))).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    const prefix = '{"bomFormat":"CycloneDX","specVersion":"1.6","components":[';
    const deep = encoder.encode(`${prefix}${'['.repeat(300)}${']'.repeat(300)}]}`);
    // Depth 257 is reached at the 255th bracket after the components array opened.
    const at = prefix.length + 254;
    expect(thrown(() => readSbom('deep.json', deep))).toMatchObject({ code: 'JSON_INVALID', message: `deep.json: maximum nesting depth exceeded (256) at byte ${at}` });
    // Brackets inside strings, escaped quotes included, do not count.
    const inString = encoder.encode(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"\\"${'['.repeat(1000)}","purl":"pkg:npm/a@1"}]}`);
    expect(readSbom('s.json', inString).components).toHaveLength(1);
  });

  it('decodes invalid UTF-8 with replacement characters and a warning, and drops a byte-order mark', () => {
    const body = cdx([{ name: 'x', version: '1', purl: 'pkg:npm/x@1', description: 'bad \u00ff' }]);
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...body]);
    expect(readSbom('bom.json', withBom).warnings).toEqual([]);
    const text = new TextDecoder().decode(body).replace('bad \u00ff', 'bad @@');
    const bytes = encoder.encode(text);
    bytes[bytes.indexOf(0x40)] = 0xff;
    const sbom = readSbom('utf8.json', bytes);
    expect(sbom.components).toHaveLength(1);
    expect(sbom.warnings).toEqual(['utf8.json: invalid UTF-8 sequences replaced with U+FFFD']);
  });
});

describe('readSbom: SPDX', () => {
  it('reads the SPDX 2.3 JSON example and its purls', () => {
    const path = join(sharedData, 'formats', 'spdx', '2.3', 'SPDXJSONExample-v2.3.spdx.json');
    const sbom = readSbom('SPDXJSONExample-v2.3.spdx.json', readFileSync(path));
    expect(sbom).toMatchObject({ format: 'spdx', specVersion: '2.3', name: 'SPDX-Tools-v2.0' });
    expect(sbom.components).toEqual([{ purl: 'pkg:maven/org.apache.jena/apache-jena@3.12.0', name: 'Jena', version: '3.12.0' }]);
    expect(sbom.warnings).toHaveLength(1);
    expect(sbom.warnings[0]).toMatch(/component\(s\) without a purl skipped/);
  });

  it('reads SPDX 2.2 (PACKAGE_MANAGER category) and refuses other versions', () => {
    const doc = (version: string) => json({
      spdxVersion: version, SPDXID: 'SPDXRef-DOCUMENT', name: 'doc',
      packages: [{ SPDXID: 'SPDXRef-A', name: 'left-pad', versionInfo: '1.0.0', externalRefs: [{ referenceCategory: 'PACKAGE_MANAGER', referenceType: 'purl', referenceLocator: 'pkg:npm/left-pad@1.0.0' }] }],
    });
    expect(readSbom('a.spdx.json', doc('SPDX-2.2'))).toEqual({
      format: 'spdx', specVersion: '2.2', name: 'doc', components: [{ purl: 'pkg:npm/left-pad@1.0.0', name: 'left-pad', version: '1.0.0' }], warnings: [],
    });
    expect(thrown(() => readSbom('b.spdx.json', doc('SPDX-2.1')))).toMatchObject({
      code: 'SBOM_INVALID', message: 'b.spdx.json: spdxVersion "SPDX-2.1" is not supported (SPDX-2.2 or SPDX-2.3 JSON)',
    });
  });
});

describe('readSbom: CycloneDX spec tests and examples', () => {
  const valid = ['1.5', '1.6'].flatMap((v) => jsonFiles(join(cyclonedxDir, 'spec-tests', v)).filter((p) => /\/valid-[^/]*\.json$/.test(p)));

  it('finds the valid 1.5 and 1.6 JSON test files', () => {
    expect(valid.length).toBeGreaterThan(70);
  });

  it.each(valid.map((p) => [relative(cyclonedxDir, p), p]))('%s reads, with every component purl', (_name, path) => {
    const bytes = readFileSync(path);
    const doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    const sbom = readSbom(_name, bytes);
    expect(sbom.format).toBe('cyclonedx');
    expect(sbom.specVersion).toBe(doc['specVersion']);
    const oracle = componentPurls(doc);
    expect(new Set(sbom.components.map((c) => c.purl))).toEqual(oracle.valid);
    expect(sbom.warnings.filter((w) => w.includes('invalid purl'))).toHaveLength(oracle.invalid);
    expectWellFormed(sbom);
  });

  const examples = jsonFiles(join(cyclonedxDir, 'bom-examples'));
  it.each(examples.map((p) => [relative(cyclonedxDir, p), p]))('%s reads', (name, path) => {
    const bytes = readFileSync(path);
    const sbom = readSbom(name, bytes);
    expect(sbom.format).toBe('cyclonedx');
    const oracle = componentPurls(JSON.parse(bytes.toString('utf8')) as Record<string, unknown>);
    expect(new Set(sbom.components.map((c) => c.purl))).toEqual(oracle.valid);
    expectWellFormed(sbom);
  });

  it('gets real packages out of the example SBOMs', () => {
    const juice = readSbom('juice-shop', readFileSync(join(cyclonedxDir, 'bom-examples', 'SBOM', 'juice-shop', 'via_npm', 'flat', 'bom.1.4.json')));
    expect(juice.components.length).toBeGreaterThan(100);
    expect(juice.components.every((c) => c.purl.startsWith('pkg:npm/'))).toBe(true);
  });
});

interface HostileCase {
  name: string;
  path: string;
  kind: string;
  expected: 'reject' | 'accept-partial' | 'accept';
  reason: string;
  also_ok?: string[];
  encoding?: 'gzip';
}

describe('readSbom: hostile corpus (make-hostile.py, kind json)', () => {
  const cases = (JSON.parse(readFileSync(join(hostileDir, 'cases.json'), 'utf8')) as { cases: HostileCase[] }).cases.filter((c) => c.kind === 'json');

  it('has the json cases', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(
      ['cyclonedx-bad-purl', 'json-1e6-digit-number', 'json-50mb-string', 'json-deep-nesting', 'json-duplicate-keys', 'json-invalid-surrogates', 'spdx-relationship-cycle'],
    );
  });

  it.each(cases.map((c) => [c.name, c]))('%s', (_name, hostile) => {
    let bytes: Uint8Array = readFileSync(join(hostileDir, hostile.path));
    if (hostile.encoding === 'gzip') bytes = gunzipSync(bytes);
    const started = performance.now();
    let sbom: SbomDocument | undefined;
    let error: { code: string; message: string } | undefined;
    try {
      sbom = readSbom(hostile.path, bytes);
    } catch (caught) {
      // Anything but a StellaError (RangeError, URIError, …) is a crash and fails here.
      if (!isStellaError(caught)) throw caught;
      error = caught;
    }
    expect(performance.now() - started).toBeLessThan(5_000);

    const outcome = error !== undefined ? 'reject' : sbom!.warnings.length > 0 ? 'accept-partial' : 'accept';
    const allowed = [hostile.expected, ...(hostile.also_ok ?? []).map((ok) => /^(reject|accept-partial|accept)\b/.exec(ok)?.[1])];
    expect(allowed).toContain(outcome);

    if (error !== undefined) {
      expect(error.message.startsWith(`${hostile.path}: `)).toBe(true);
      expect(error.message).not.toMatch(/\n/);
      expect(error.message.length).toBeLessThan(300);
      return;
    }
    expectWellFormed(sbom!);
    const purls = sbom!.components.map((c) => c.purl);
    if (outcome === 'accept') {
      expect(new Set(purls).size).toBe(purls.length);
    } else {
      expect(purls).toContain('pkg:npm/lodash@4.17.20');
    }
  });

  const load = (name: string): Uint8Array => readFileSync(join(hostileDir, `${name}.json`));

  it('json-deep-nesting: rejected before parsing, naming the limit', () => {
    expect(thrown(() => readSbom('deep.json', load('json-deep-nesting')))).toMatchObject({
      code: 'JSON_INVALID', message: expect.stringMatching(/^deep\.json: maximum nesting depth exceeded \(256\)/) as unknown as string,
    });
  });

  it('json-50mb-string: the component with the 50 MiB name (and no purl) is skipped, lodash kept', () => {
    const sbom = readSbom('big.json', gunzipSync(readFileSync(join(hostileDir, 'json-50mb-string.json.gz'))));
    expect(sbom.components.map((c) => c.purl)).toEqual(['pkg:npm/lodash@4.17.20']);
    expect(sbom.warnings).toEqual([`big.json: 1 component(s) without a purl skipped (e.g. "${'A'.repeat(40)}…")`]);
    // With a purl, the length check on the name is what skips it.
    const named = readSbom('n.json', cdx([{ name: 'A'.repeat(50 << 20), version: '1', purl: 'pkg:npm/a@1' }]));
    expect(named.warnings).toEqual(['n.json: components[0] skipped: name is 52428800 characters long (limit 1024)']);
  });

  it('json-1e6-digit-number: the BOM version is ignored with a warning', () => {
    const sbom = readSbom('num.json', load('json-1e6-digit-number'));
    expect(sbom.components.map((c) => c.purl)).toEqual(['pkg:npm/lodash@4.17.20']);
    expect(sbom.warnings).toEqual(['num.json: BOM "version" is not a positive integer; ignored']);
  });

  it('json-duplicate-keys: last key wins everywhere, so bomFormat is "SPDX" and the document is refused', () => {
    expect(thrown(() => readSbom('dup.json', load('json-duplicate-keys')))).toMatchObject({
      code: 'SBOM_INVALID', message: 'dup.json: not a CycloneDX or SPDX JSON document (bomFormat is "SPDX", no spdxVersion)',
    });
  });

  it('json-invalid-surrogates: names repaired with U+FFFD, the purl with a lone surrogate skipped', () => {
    const sbom = readSbom('sur.json', load('json-invalid-surrogates'));
    expect(sbom.components).toEqual([
      { purl: 'pkg:npm/a@1', name: 'hi\uFFFD', version: '1' },
      { purl: 'pkg:npm/b@1', name: 'lo\uFFFD', version: '1' },
      { purl: 'pkg:npm/lodash@4.17.20', name: 'lodash', version: '4.17.20' },
    ]);
    expect(sbom.warnings).toHaveLength(3);
    expect(sbom.warnings[2]).toMatch(/^sur\.json: components\[3\] skipped: invalid purl .*lone UTF-16 surrogate$/);
  });

  it('cyclonedx-bad-purl: every unparsable purl is warned about on one line, lodash reported', () => {
    const sbom = readSbom('bad.json', load('cyclonedx-bad-purl'));
    // `PKG:NPM/UPPER@1` is a valid purl: URL schemes and purl types are case-insensitive.
    expect(sbom.components.map((c) => c.purl)).toEqual(['pkg:npm/lodash@4.17.20', 'pkg:npm/upper@1']);
    expect(sbom.warnings).toHaveLength(11);
    for (const warning of sbom.warnings) {
      expect(warning).toMatch(/^bad\.json: components\[\d+\] skipped: invalid purl /);
      expect(warning.length).toBeLessThan(300);
    }
  });

  it('spdx-relationship-cycle: all three packages, once each, no warnings', () => {
    expect(readSbom('cycle.json', load('spdx-relationship-cycle'))).toEqual({
      format: 'spdx', specVersion: '2.3', name: 'hostile-cycle', warnings: [],
      components: [
        { purl: 'pkg:npm/left-pad@1.0.0', name: 'left-pad', version: '1.0.0' },
        { purl: 'pkg:npm/lodash@4.17.20', name: 'lodash', version: '4.17.20' },
        { purl: 'pkg:npm/minimist@1.2.5', name: 'minimist', version: '1.2.5' },
      ],
    });
  });
});
