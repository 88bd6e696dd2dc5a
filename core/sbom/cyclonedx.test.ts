import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isStellaError } from '../errors.js';
import type { ExtractedPackage } from '../model/package.js';
import { purlForPackage } from '../purl/index.js';
import type { CycloneDxComponentInput, CycloneDxInput } from './cyclonedx.js';
import { buildCycloneDx } from './cyclonedx.js';
import { validateCycloneDx } from '../../test/helpers/cyclonedx-validate.js';
import { projectRoot } from '../../test/helpers/paths.js';
import { sha256 } from './sha256.js';

const os = { id: 'debian', versionId: '12', versionCodename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' };
const layerA = `sha256:${'a'.repeat(64)}`;
const layerB = `sha256:${'b'.repeat(64)}`;

function fromPackage(pkg: ExtractedPackage, layer: string): CycloneDxComponentInput {
  return {
    purl: purlForPackage(pkg, os), name: pkg.name, version: pkg.version, type: pkg.type, layer, locations: [pkg.sourceFile],
    ...(pkg.sourceName === undefined ? {} : { sourceName: pkg.sourceName }),
    ...(pkg.sourceVersion === undefined ? {} : { sourceVersion: pkg.sourceVersion }),
  };
}

const small: CycloneDxInput = {
  target: { kind: 'oci-layout', name: 'debian-node', digest: `sha256:${'c'.repeat(64)}`, os },
  tool: { name: 'stella', version: '0.1.0' },
  components: [
    fromPackage({ type: 'npm', name: 'lodash', version: '4.17.20', sourceFile: 'app/package-lock.json', evidence: 'lockfile' }, layerB),
    fromPackage({ type: 'deb', name: 'libc6', version: '2.36-9+deb12u4', arch: 'amd64', sourceName: 'glibc', sourceFile: 'var/lib/dpkg/status', evidence: 'package-db' }, layerA),
    fromPackage({ type: 'npm', name: '@babel/core', version: '7.24.0', sourceFile: 'app/package-lock.json', evidence: 'lockfile' }, layerB),
    // The same package in a second place: needs its own bom-ref.
    { ...fromPackage({ type: 'npm', name: 'lodash', version: '4.17.20', sourceFile: 'app/node_modules/x/package.json', evidence: 'installed' }, layerB) },
  ],
};

function realistic(count: number): CycloneDxInput {
  const components: CycloneDxComponentInput[] = [];
  for (let i = 0; i < count; i++) {
    const pkg: ExtractedPackage = i % 2 === 0
      ? { type: 'deb', name: `lib${i}`, version: `${i % 3}:1.${i}-${i % 7}+deb12u${i % 4}`, arch: i % 5 === 0 ? 'all' : 'amd64', sourceName: `src${i % 40}`, sourceFile: 'var/lib/dpkg/status', evidence: 'package-db' }
      : { type: 'npm', name: i % 3 === 0 ? `@scope${i % 9}/pkg${i}` : `pkg${i}`, version: `${i}.0.0`, sourceFile: `app/node_modules/pkg${i}/package.json`, evidence: 'installed' };
    components.push(fromPackage(pkg, i % 2 === 0 ? layerA : layerB));
  }
  return { target: { kind: 'docker-archive', name: 'big', digest: `sha256:${'d'.repeat(64)}`, os }, tool: { name: 'stella', version: '0.1.0' }, components };
}

describe('imports', () => {
  it('the library entry points core/ loads eagerly pull in no node: module', () => {
    // Records every builtin module required while loading them; core/ must stay Web-standard.
    const script = `
      const Module = require('node:module');
      const load = Module._load;
      const builtins = [];
      Module._load = function (request, ...rest) {
        if (Module.isBuiltin(request)) builtins.push(request);
        return load.call(this, request, ...rest);
      };
      for (const name of ['Enums', 'Models', 'Serialize', 'Spec']) require('@cyclonedx/cyclonedx-library/' + name);
      require('packageurl-js');
      process.stdout.write(JSON.stringify(builtins));`;
    const loaded = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: projectRoot, encoding: 'utf8' })) as string[];
    expect(loaded).toEqual([]);
  });
});

describe('sha256', () => {
  it('agrees with node:crypto on the padding edge cases and random input', () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_000]) {
      const bytes = randomBytes(length);
      expect(Buffer.from(sha256(bytes)).toString('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });
});

describe('buildCycloneDx', () => {
  it('passes the library strict validator for CycloneDX 1.6', async () => {
    const bom = buildCycloneDx(small);
    expect(bom.specVersion).toBe('1.6');
    await validateCycloneDx(bom);
  });

  it('gives identical bytes when built twice, and input order does not matter', () => {
    const once = JSON.stringify(buildCycloneDx(small));
    expect(JSON.stringify(buildCycloneDx(small))).toBe(once);
    expect(JSON.stringify(buildCycloneDx({ ...small, components: [...small.components].reverse() }))).toBe(once);
    expect(once).not.toMatch(/timestamp/);
  });

  it('derives the serial number from the content', () => {
    const a = buildCycloneDx(small).serialNumber;
    const b = buildCycloneDx({ ...small, components: small.components.slice(1) }).serialNumber;
    const c = buildCycloneDx({ ...small, timestamp: '2024-05-01T12:00:00Z' }).serialNumber;
    expect(a).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set([a, b, c]).size).toBe(3);
  });

  it('gives the same document with a native SHA-256 handed in as with its own', () => {
    let calls = 0;
    const native = (bytes: Uint8Array): Uint8Array => {
      calls++;
      return createHash('sha256').update(bytes).digest();
    };
    expect(JSON.stringify(buildCycloneDx({ ...small, sha256: native }))).toBe(JSON.stringify(buildCycloneDx(small)));
    expect(calls).toBe(1);
  });

  it('sorts components by bom-ref, makes repeated purls unique and carries the stella properties', () => {
    const bom = buildCycloneDx(small);
    const refs = (bom.components ?? []).map((c) => c['bom-ref'] ?? '');
    expect(refs).toEqual([...refs].sort());
    expect(new Set(refs).size).toBe(refs.length);
    expect(refs).toEqual([
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc',
      'pkg:npm/%40babel/core@7.24.0',
      'pkg:npm/lodash@4.17.20',
      'pkg:npm/lodash@4.17.20|2',
      'stella:os:debian@12',
    ]);
    const [libc, babel, , , debian] = bom.components ?? [];
    expect(libc?.type).toBe('library');
    expect(libc?.properties).toEqual([
      { name: 'stella:layer', value: layerA },
      { name: 'stella:source-file', value: 'var/lib/dpkg/status' },
      { name: 'stella:source-package', value: 'glibc' },
    ]);
    expect(babel).toMatchObject({ group: '@babel', name: 'core', version: '7.24.0', purl: 'pkg:npm/%40babel/core@7.24.0' });
    expect(debian).toMatchObject({ type: 'operating-system', name: 'debian', version: '12' });
    expect(bom.metadata?.component).toMatchObject({ type: 'container', name: 'debian-node', hashes: [{ alg: 'SHA-256', content: 'c'.repeat(64) }] });
    expect(bom.metadata?.tools).toEqual({ components: [{ type: 'application', name: 'stella', version: '0.1.0' }] });
  });

  it('carries a caller-supplied timestamp and refuses an invalid one', async () => {
    const bom = buildCycloneDx({ ...small, timestamp: new Date('2024-05-01T12:00:00Z') });
    expect(bom.metadata?.timestamp).toBe('2024-05-01T12:00:00.000Z');
    await validateCycloneDx(JSON.stringify(bom));
    expect(() => buildCycloneDx({ ...small, timestamp: 'yesterday' })).toThrow(/not a valid date/);
  });

  it('validates with 200 realistic components', async () => {
    const bom = buildCycloneDx(realistic(200));
    expect(bom.components).toHaveLength(201);
    await validateCycloneDx(bom);
  });
});

describe('validateCycloneDx', () => {
  it('throws SBOM_INVALID naming the first violation', async () => {
    const bom = JSON.parse(JSON.stringify(buildCycloneDx(small))) as { components: { type: string }[] };
    bom.components[0]!.type = 'not-a-type';
    const error: unknown = await validateCycloneDx(bom, 'broken.json').catch((e: unknown) => e);
    expect(isStellaError(error) && error.code).toBe('SBOM_INVALID');
    expect((error as Error).message).toMatch(/^broken\.json: not valid CycloneDX 1\.6: \/components\/0\/type must be equal to one of the allowed values/);
  });

  it('refuses an unknown specVersion', async () => {
    await expect(validateCycloneDx({ bomFormat: 'CycloneDX', specVersion: '9.9' })).rejects.toThrow(/unknown CycloneDX specVersion "9.9"/);
  });
});
