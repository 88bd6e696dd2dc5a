/**
 * The contract every registered feed connector must meet, whatever its
 * format: it recognises its own sample and refuses the others' samples and
 * junk; reading hostile input gives warnings or a StellaError naming the
 * source (never another exception); and what it writes is canonical — the
 * same content, written differently, gives the same bytes.
 *
 * A new connector must add an entry to `samples` below; the suite fails
 * until it does.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isStellaError } from '../errors.js';
import { canonicalJson, type JsonValue } from '../sign/canonical-json.js';
import { verifyDetachedJws } from '../sign/jws.js';
import { generateKeyPair, signingKeyFromPair } from '../sign/keys.js';
import { RECOGNISE_BYTES, type AdvisoryConnector, type FeedConnector, type FeedSource, type TableConnector } from './connector.js';
import { MANIFEST_SIGNATURE_SUFFIX, parseManifest } from './manifest.js';
import { builtinConnectors, createConnectorRegistry, defaultConnectors } from './registry.js';
import { tableFeedFiles } from './table.js';

interface Sample {
  /** A small valid source. */
  text: string;
  /** The same content written differently (order, spacing, line ends): it must normalise to the same bytes. */
  variant: string;
  /** Records (advisories) or rows (tables) the sample holds. */
  count: number;
}

const kevVulnerability = (cve: string, vendor: string): Record<string, unknown> => ({
  cveID: cve, vendorProject: vendor, product: 'Product', vulnerabilityName: `${vendor} flaw`, dateAdded: '2024-01-02',
  shortDescription: 'A flaw.', requiredAction: 'Apply updates.', dueDate: '2024-01-23', knownRansomwareCampaignUse: 'Unknown', notes: '', cwes: [],
});
const kevCatalog = (order: string[]): string => {
  const all: Record<string, Record<string, unknown>> = { 'CVE-2021-44228': kevVulnerability('CVE-2021-44228', 'Apache'), 'CVE-2014-0160': kevVulnerability('CVE-2014-0160', 'OpenSSL') };
  return JSON.stringify({ title: 'CISA Catalog of Known Exploited Vulnerabilities', catalogVersion: '2025.08.25', dateReleased: '2025-08-25T17:04:19.9796Z', count: 2, vulnerabilities: order.map((cve) => all[cve]) });
};

/** Two real NVD records (see nvd/testdata/NOTICE) in an API 2.0 envelope; the variant lists them the other way round, indented. */
const nvdRecord = (cve: string): unknown => JSON.parse(readFileSync(new URL(`nvd/testdata/${cve}.json`, import.meta.url), 'utf8'));
const nvdResponse = (cves: string[], indent?: number): string =>
  JSON.stringify({ resultsPerPage: cves.length, startIndex: 0, totalResults: cves.length, format: 'NVD_CVE', version: '2.0', timestamp: '2025-02-13T00:00:00.000', vulnerabilities: cves.map((cve) => ({ cve: nvdRecord(cve) })) }, null, indent);

const samples: Record<string, Sample> = {
  osv: {
    text: '{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-0001"],"affected":[{"package":{"ecosystem":"npm","name":"left-pad"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.3.0"}]}]}]}',
    variant: '{\r\n  "affected": [{"ranges": [{"events": [{"introduced": "0"}, {"fixed": "1.3.0"}], "type": "SEMVER"}], "package": {"name": "left-pad", "ecosystem": "npm"}}],\r\n  "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2024-0001"], "id": "GHSA-aaaa-bbbb-cccc"\r\n}\r\n',
    count: 1,
  },
  'debian-tracker': {
    text: '[29 Mar 2023] DSA-5380-1 xorg-server - security update\n\t{CVE-2023-1393}\n\t[bullseye] - xorg-server 2:1.20.11-1+deb11u6\n[01 Apr 2023] DLA-3378-1 duktape - security update\n\t{CVE-2021-46322}\n\t[buster] - duktape 2.3.0-1+deb10u1\n',
    variant: '[29 Mar 2023] DSA-5380-1 xorg-server  -  security update\n    {CVE-2023-1393}\n    [bullseye] - xorg-server 2:1.20.11-1+deb11u6\n\n[01 Apr 2023] DLA-3378-1 duktape - security update\n\t{CVE-2021-46322}\n\t[buster] - duktape 2.3.0-1+deb10u1\n',
    count: 2,
  },
  kev: { text: kevCatalog(['CVE-2021-44228', 'CVE-2014-0160']), variant: kevCatalog(['CVE-2014-0160', 'CVE-2021-44228']), count: 2 },
  epss: {
    text: '#model_version:v2023.03.01,score_date:2023-11-28T00:00:00+0000\ncve,epss,percentile\nCVE-2021-44228,0.97565,0.99996\nCVE-2014-0160,0.97000,0.99990\n',
    variant: '#model_version:v2023.03.01,score_date:2023-11-28T00:00:00+0000\r\ncve,epss,percentile\r\nCVE-2014-0160,0.9700,0.9999\r\nCVE-2021-44228,0.97565,0.99996\r\n',
    count: 2,
  },
  nvd: { text: nvdResponse(['CVE-2023-32681', 'CVE-2014-1829']), variant: nvdResponse(['CVE-2014-1829', 'CVE-2023-32681'], 2), count: 2 },
};

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Deterministic bytes (mulberry32), so a failure is reproducible. */
function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return out;
}

const junk: Array<[string, Uint8Array]> = [
  ['0-byte file', new Uint8Array(0)],
  ['whitespace only', encode(' \n\t\r\n\n')],
  ['empty JSON object', encode('{}')],
  ['JSON null', encode('null')],
  ['JSON array', encode('[{"id":"GHSA-x","modified":"2024-01-01T00:00:00Z"}]')],
  ['NUL bytes', new Uint8Array(4096)],
  ['invalid UTF-8', Uint8Array.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0x0a])],
  ['random bytes', randomBytes(64 * 1024, 1)],
  ['a zip header', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00])],
  ['a CSV of something else', encode('name,version\nlodash,4.17.21\n')],
  ['a package.json', encode('{"name":"x","version":"1.0.0","dependencies":{}}')],
];

const head = (bytes: Uint8Array): Uint8Array => bytes.subarray(0, RECOGNISE_BYTES);

/** The canonical bytes a connector makes of a source: sorted record lines, or the table file. */
function normalised(connector: FeedConnector, source: FeedSource): { bytes: string; count: number; warnings: string[] } {
  if (connector.kind === 'table') {
    const table = connector.table(source);
    return { bytes: new TextDecoder().decode(table.file), count: table.rows, warnings: table.warnings };
  }
  const lines: string[] = [];
  const warnings: string[] = [];
  for (const item of connector.records(source)) {
    if (item.$case === 'warning') warnings.push(item.message);
    else lines.push(canonicalJson(connector.normalise(item.record).record as unknown as JsonValue));
  }
  return { bytes: lines.sort().join('\n'), count: lines.length, warnings };
}

/** Runs everything a connector does with a source, keeping only the outcome's shape. */
function attempt(connector: FeedConnector, source: FeedSource): { ok: true } | { error: unknown } {
  try {
    if (connector.kind === 'table') connector.table(source);
    else for (const item of connector.records(source)) if (item.$case === 'record') runNormalise(connector, item.record);
    return { ok: true };
  } catch (error) {
    return { error };
  }
}

/** A record the validator refuses is a per-record StellaError the importer counts, not a failure of the source. */
function runNormalise(connector: AdvisoryConnector, record: Parameters<AdvisoryConnector['normalise']>[0]): void {
  try {
    connector.normalise(record);
  } catch (error) {
    expect(isStellaError(error), String(error)).toBe(true);
    expect((error as Error).message).toContain(record.label);
  }
}

describe('feed connector registry', () => {
  it('names are unique, non-empty and stable identifiers', () => {
    const names = builtinConnectors.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
  });

  it('refuses two connectors with the same name, and a fallback it does not hold', () => {
    const [first] = builtinConnectors;
    if (first === undefined) throw new TypeError('no connectors registered');
    expect(() => createConnectorRegistry([first, { ...first }], first.name)).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringContaining(`"${first.name}"`) }));
    expect(() => createConnectorRegistry([first], 'no-such-connector')).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });

  it('every registered connector has a contract sample', () => {
    expect(Object.keys(samples).sort()).toEqual(builtinConnectors.map((c) => c.name).sort());
  });

  it('recognises each sample as its own connector, and junk as none (the fallback reads it)', () => {
    for (const [name, sample] of Object.entries(samples)) {
      expect(defaultConnectors.recognise(head(encode(sample.text)))?.name, name).toBe(name);
      expect(defaultConnectors.recognise(head(encode(sample.variant)))?.name, `${name} variant`).toBe(name);
    }
    for (const [label, bytes] of junk) expect(defaultConnectors.recognise(head(bytes)), label).toBeUndefined();
    expect(defaultConnectors.fallback.name).toBe('osv');
  });
});

describe.each(defaultConnectors.connectors.map((c) => [c.name, c] as const))('feed connector contract: %s', (name, connector) => {
  const sample = samples[name];
  if (sample === undefined) throw new TypeError(`no contract sample for connector ${name}`);
  const source = { name: `samples/${name}`, bytes: encode(sample.text) };

  it('declares its feed, a sane size limit, and (tables) a path in its feed folder', () => {
    expect(connector.description).not.toBe('');
    expect(connector.feed).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(Number.isSafeInteger(connector.maxSourceBytes)).toBe(true);
    expect(connector.maxSourceBytes).toBeGreaterThan(0);
    if (connector.kind === 'table') expect(connector.path).toMatch(new RegExp(`^feeds/${connector.feed}/[a-z0-9._-]+$`));
  });

  it('recognises its own sample and refuses the others and junk', () => {
    expect(connector.recognise(head(source.bytes))).toBe(true);
    for (const [other, otherSample] of Object.entries(samples)) {
      if (other !== name) expect(connector.recognise(head(encode(otherSample.text))), other).toBe(false);
    }
    for (const [label, bytes] of junk) expect(connector.recognise(head(bytes)), label).toBe(false);
  });

  it('recognise is pure and never throws', () => {
    const inputs = [source.bytes, ...junk.map(([, bytes]) => bytes), encode('\uFEFF'), encode('{"')];
    const first = inputs.map((bytes) => connector.recognise(head(bytes)));
    expect(inputs.map((bytes) => connector.recognise(head(bytes)))).toEqual(first);
  });

  it('normalises its sample to canonical, deterministic output', () => {
    const once = normalised(connector, source);
    expect(once.count).toBe(sample.count);
    expect(once.warnings).toEqual([]);
    expect(normalised(connector, { ...source, bytes: encode(sample.text) }).bytes).toBe(once.bytes);
    // The same content written differently gives the same bytes.
    expect(normalised(connector, { ...source, bytes: encode(sample.variant) }).bytes).toBe(once.bytes);
  });

  it.each(junk)('survives %s: warnings or a StellaError naming the source', (_label, bytes) => {
    const outcome = attempt(connector, { name: 'junk-source', bytes });
    if ('error' in outcome) {
      expect(isStellaError(outcome.error), String(outcome.error)).toBe(true);
      expect((outcome.error as Error).message).toContain('junk-source');
      expect((outcome.error as Error).message).not.toContain('\n');
    }
  });
});

// Tables only: a separate suite rather than a skipped test, so every test that runs applies.
const tableConnectors = defaultConnectors.connectors.filter((c): c is TableConnector => c.kind === 'table');
describe.each(tableConnectors.map((c) => [c.name, c] as const))('table connector contract: %s', (name, connector) => {
  const sample = samples[name];
  if (sample === undefined) throw new TypeError(`no contract sample for connector ${name}`);
  const source = { name: `samples/${name}`, bytes: encode(sample.text) };

  it('writes its table with a signed manifest that lists the file and the source', async () => {
    const key = await signingKeyFromPair(await generateKeyPair());
    const files = await tableFeedFiles(connector, source, key);
    const folder = connector.path.slice(0, connector.path.lastIndexOf('/'));
    expect([...files.changes.keys()].sort()).toEqual([connector.path, `${folder}/manifest.json`, `${folder}/manifest.json${MANIFEST_SIGNATURE_SUFFIX}`].sort());
    const manifestBytes = files.changes.get(`${folder}/manifest.json`) as Uint8Array;
    const manifest = parseManifest(manifestBytes, 'manifest');
    expect(manifest.feed).toBe(connector.feed);
    expect(manifest.records).toBe(sample.count);
    expect(Object.keys(manifest.sources)).toEqual([source.name]);
    const jws = new TextDecoder().decode(files.changes.get(`${folder}/manifest.json${MANIFEST_SIGNATURE_SUFFIX}`)).trim();
    await expect(verifyDetachedJws(jws, manifestBytes, new Map([[key.keyId, key.publicKeyPem]]))).resolves.toEqual({ kid: key.keyId });
  });
});
