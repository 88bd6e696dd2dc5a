/**
 * The contract every registered VEX format must meet: it recognises its own
 * sample and refuses the others' samples and junk; reading is
 * deterministic and the same content written differently gives the same
 * statements; hostile input gives a one-line StellaError naming the source,
 * never another exception. A new format must add an entry to `samples`;
 * the suite fails until it does.
 */
import { describe, expect, it } from 'vitest';
import { isStellaError } from '../errors.js';
import { VEX_RECOGNISE_BYTES } from './format.js';
import { builtinVexFormats, createVexFormatRegistry, defaultVexFormats } from './registry.js';

interface Sample {
  text: string;
  /** The same content written differently (key order, spacing, offsets of times): the same statements. */
  variant: string;
  count: number;
}

const openvex = (indent?: number, reversed = false): string => {
  const statement = { vulnerability: { name: 'CVE-2022-24999', aliases: ['GHSA-hrpp-h998-j3pp'] }, products: [{ '@id': 'pkg:npm/qs@6.5.2' }], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' };
  const doc = { '@context': 'https://openvex.dev/ns/v0.2.0', '@id': 'https://example.com/vex/1', author: 'Example', timestamp: reversed ? '2024-01-02T04:04:05+01:00' : '2024-01-02T03:04:05Z', version: 1, statements: [statement] };
  return JSON.stringify(reversed ? Object.fromEntries(Object.entries(doc).reverse()) : doc, null, indent);
};

const cyclonedx = (indent?: number): string =>
  JSON.stringify(
    {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      version: 1,
      metadata: { timestamp: '2024-01-02T03:04:05Z' },
      components: [{ 'bom-ref': 'qs', type: 'library', name: 'qs', version: '6.5.2', purl: 'pkg:npm/qs@6.5.2' }],
      vulnerabilities: [
        { id: 'CVE-2022-24999', analysis: { state: 'not_affected', justification: 'code_not_reachable' }, affects: [{ ref: 'qs' }] },
        { id: 'CVE-2024-0001', analysis: { state: 'exploitable', response: ['update'] }, affects: [{ ref: 'qs' }] },
      ],
    },
    null,
    indent,
  );

const csaf = (indent?: number): string =>
  JSON.stringify(
    {
      document: { category: 'csaf_vex', csaf_version: '2.0', title: 'qs', publisher: { category: 'vendor', name: 'Example', namespace: 'https://example.com' }, tracking: { id: 'EX-1', current_release_date: '2024-01-02T03:04:05Z', initial_release_date: '2024-01-02T03:04:05Z', status: 'final', version: '1', revision_history: [] } },
      product_tree: { full_product_names: [{ product_id: 'P1', name: 'qs 6.5.2', product_identification_helper: { purl: 'pkg:npm/qs@6.5.2' } }] },
      vulnerabilities: [{ cve: 'CVE-2022-24999', product_status: { known_not_affected: ['P1'] }, flags: [{ label: 'vulnerable_code_not_in_execute_path', product_ids: ['P1'] }] }],
    },
    null,
    indent,
  );

const samples: Record<string, Sample> = {
  openvex: { text: openvex(), variant: openvex(2, true), count: 1 },
  'cyclonedx-vex': { text: cyclonedx(), variant: cyclonedx(4), count: 2 },
  'csaf-vex': { text: csaf(), variant: csaf(1), count: 1 },
};

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

const junk: Array<[string, Uint8Array]> = [
  ['0-byte file', new Uint8Array(0)],
  ['whitespace only', encode(' \n\t\r\n')],
  ['empty JSON object', encode('{}')],
  ['JSON null', encode('null')],
  ['a JSON array', encode('[{"status":"not_affected"}]')],
  ['NUL bytes', new Uint8Array(4096)],
  ['invalid UTF-8', Uint8Array.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1])],
  ['a zip header', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00])],
  ['an OSV record', encode('{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z","affected":[]}')],
  ['a package.json', encode('{"name":"x","version":"1.0.0"}')],
  ['deep nesting', encode(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)],
];

const head = (bytes: Uint8Array): Uint8Array => bytes.subarray(0, VEX_RECOGNISE_BYTES);

describe('VEX format registry', () => {
  it('names are unique lowercase identifiers, and every format has a contract sample', () => {
    const names = builtinVexFormats.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(Object.keys(samples).sort()).toEqual([...names].sort());
  });

  it('refuses two formats with the same name', () => {
    const [first] = builtinVexFormats;
    if (first === undefined) throw new TypeError('no VEX formats registered');
    expect(() => createVexFormatRegistry([first, { ...first }])).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringContaining(`"${first.name}"`) }));
  });

  it('recognises each sample as its own format and junk as none; reading junk says "unknown format" or names the problem', () => {
    for (const [name, sample] of Object.entries(samples)) {
      expect(defaultVexFormats.recognise(head(encode(sample.text)))?.name, name).toBe(name);
      expect(defaultVexFormats.recognise(head(encode(sample.variant)))?.name, `${name} variant`).toBe(name);
    }
    for (const [label, bytes] of junk) {
      expect(defaultVexFormats.recognise(head(bytes)), label).toBeUndefined();
      expect(() => defaultVexFormats.read({ name: 'junk.json', bytes }), label).toThrow(expect.objectContaining({ code: 'VEX_INVALID', message: expect.stringMatching(/^junk\.json: unknown format/) }));
    }
  });
});

describe.each(defaultVexFormats.formats.map((f) => [f.name, f] as const))('VEX format contract: %s', (name, format) => {
  const sample = samples[name];
  if (sample === undefined) throw new TypeError(`no contract sample for VEX format ${name}`);
  const source = { name: `samples/${name}.json`, bytes: encode(sample.text) };

  it('declares a description and a sane size limit', () => {
    expect(format.description).not.toBe('');
    expect(Number.isSafeInteger(format.maxSourceBytes) && format.maxSourceBytes > 0).toBe(true);
  });

  it('recognises its own sample and refuses the others and junk; recognise is pure', () => {
    expect(format.recognise(head(source.bytes))).toBe(true);
    for (const [other, otherSample] of Object.entries(samples)) if (other !== name) expect(format.recognise(head(encode(otherSample.text))), other).toBe(false);
    for (const [label, bytes] of junk) expect(format.recognise(head(bytes)), label).toBe(false);
    const inputs = [source.bytes, ...junk.map(([, bytes]) => bytes), encode('{"')];
    expect(inputs.map((bytes) => format.recognise(head(bytes)))).toEqual(inputs.map((bytes) => format.recognise(head(bytes))));
  });

  it('reads its sample deterministically; the same content written differently gives the same statements', () => {
    const once = format.read(source);
    expect(once.format).toBe(name);
    expect(once.statements).toHaveLength(sample.count);
    expect(format.read({ ...source, bytes: encode(sample.text) })).toEqual(once);
    expect(format.read({ ...source, bytes: encode(sample.variant) }).statements).toEqual(once.statements);
  });

  it.each(junk)('survives %s: a one-line StellaError naming the source', (_label, bytes) => {
    let error: unknown;
    try {
      format.read({ name: 'junk-source', bytes });
    } catch (caught) {
      error = caught;
    }
    expect(isStellaError(error), String(error)).toBe(true);
    expect((error as Error).message.startsWith('junk-source')).toBe(true);
    expect((error as Error).message).not.toContain('\n');
  });
});
