/**
 * The contract every registered extractor must meet, whatever its format:
 * hostile or empty input gives a result or a StellaError (never another
 * exception, never a hang), results are well-formed and deterministic, and
 * fileRequired is a pure, cheap predicate.
 *
 * A new extractor must add an entry to `samples` below; the suite fails
 * until it does.
 */
import { zipSync } from 'fflate';
import { buildGoElf } from './go/elf.test-helper.js';
import { describe, expect, it } from 'vitest';
import { isStellaError } from '../errors.js';
import type { AnyExtractor, ExtractResult } from './extractor.js';
import { bigRpmdb } from './rpm/rpmdb.test-helper.js';
import { builtinExtractors, createRegistry, defaultRegistry } from './registry.js';

interface Sample {
  /** Paths the extractor must want; the first is used for extraction. */
  wanted: string[];
  /** Paths it must not want. */
  unwanted: string[];
  /** A large valid input and the number of packages it holds. */
  big(): { contents: Uint8Array; count: number } | Promise<{ contents: Uint8Array; count: number }>;
}

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

const samples: Record<string, Sample> = {
  dpkg: {
    wanted: ['var/lib/dpkg/status', 'var/lib/dpkg/status.d/tzdata'],
    unwanted: ['var/lib/dpkg/status.d/tzdata.md5sums', 'var/lib/dpkg/available', 'app/package-lock.json'],
    big: () => {
      const count = 20_000;
      const stanza = (i: number): string =>
        `Package: pkg${i}\nStatus: install ok installed\nArchitecture: amd64\nSource: src${i} (1:${i}.0-1)\nVersion: ${i}.0-1\nDescription: package ${i}\n long description\n .\n more\n`;
      return { contents: encode(Array.from({ length: count }, (_, i) => stanza(i)).join('\n')), count };
    },
  },
  apk: {
    wanted: ['lib/apk/db/installed', 'usr/lib/apk/db/installed'],
    unwanted: ['lib/apk/db/scripts.tar', 'lib/apk/db/triggers', 'var/lib/apk/db/installed', 'etc/apk/world'],
    big: () => {
      const count = 20_000;
      const record = (i: number): string =>
        `C:Q1${i}=\nP:pkg${i}\nV:${i}.0-r1\nA:x86_64\nT:package ${i}\no:src${i % 100}\nF:usr/lib\nR:lib${i}.so\nZ:Q1abc=\nR:lib${i}.a\nZ:Q1def=\n`;
      return { contents: encode(Array.from({ length: count }, (_, i) => record(i)).join('\n')), count };
    },
  },
  rpm: {
    wanted: ['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite', 'var/lib/rpm/Packages', 'usr/lib/sysimage/rpm/Packages'],
    unwanted: ['var/lib/rpm/rpmdb.sqlite-wal', 'var/lib/rpm/rpmdb.sqlite-shm', 'usr/share/rpm/Packages.db', 'usr/lib/sysimage/rpm/Packages.db', 'var/lib/rpm/Name'],
    big: () => bigRpmdb(20_000),
  },
  'npm-lockfile': {
    wanted: ['package-lock.json', 'app/npm-shrinkwrap.json', 'app/node_modules/.package-lock.json'],
    unwanted: ['app/node_modules/x/package-lock.json', 'app/package.json', 'var/lib/dpkg/status'],
    big: () => {
      const count = 50_000;
      const packages: Record<string, unknown> = { '': { name: 'big' } };
      for (let i = 0; i < count; i++) packages[`node_modules/p${i}`] = { version: `1.0.${i}`, resolved: `https://registry.example.invalid/p${i}.tgz`, dev: i % 2 === 0 };
      return { contents: encode(JSON.stringify({ lockfileVersion: 3, packages })), count };
    },
  },
  'npm-installed': {
    wanted: ['node_modules/x/package.json', 'app/node_modules/@s/x/package.json'],
    unwanted: ['app/package.json', 'node_modules/x/lib/package.json', 'node_modules/x/package-lock.json'],
    big: () => ({ contents: encode(JSON.stringify({ name: 'x', version: '1.0.0', readme: 'r'.repeat(4 * 1024 * 1024) })), count: 1 }),
  },
  'yarn-lockfile': {
    wanted: ['yarn.lock', 'app/yarn.lock'],
    unwanted: ['app/node_modules/x/yarn.lock', 'app/yarn.lock.bak', 'app/package-lock.json'],
    big: () => {
      const count = 20_000;
      const entry = (i: number): string =>
        `"p${i}@^1.0.0", "p${i}@^1.0.${i}":\n  version "1.0.${i}"\n  resolved "https://registry.example.invalid/p${i}/-/p${i}-1.0.${i}.tgz#${'a'.repeat(40)}"\n  integrity sha512-${'b'.repeat(86)}==\n  dependencies:\n    dep "^1.0.0"\n`;
      return { contents: encode(`# yarn lockfile v1\n\n${Array.from({ length: count }, (_, i) => entry(i)).join('\n')}`), count };
    },
  },
  'pnpm-lockfile': {
    wanted: ['pnpm-lock.yaml', 'app/pnpm-lock.yaml', 'app/node_modules/.pnpm/lock.yaml'],
    unwanted: ['app/node_modules/x/pnpm-lock.yaml', 'app/pnpm-lock.yml', 'app/yarn.lock'],
    big: () => {
      const count = 5_000;
      const packages = Array.from({ length: count }, (_, i) => `  p${i}@1.0.${i}:\n    resolution: {integrity: sha512-${'a'.repeat(86)}==}\n    engines: {node: '>=18'}\n`);
      const snapshots = Array.from({ length: count }, (_, i) => `  p${i}@1.0.${i}:\n    dependencies:\n      p${(i + 1) % count}: 1.0.${(i + 1) % count}\n`);
      const text = `lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies:\n      p0:\n        specifier: ^1.0.0\n        version: 1.0.0\n\npackages:\n\n${packages.join('\n')}\nsnapshots:\n\n${snapshots.join('\n')}`;
      return { contents: encode(text), count };
    },
  },
  'requirements-txt': {
    wanted: ['requirements.txt', 'app/requirements-dev.txt', 'app/requirements/base.txt'],
    unwanted: ['requirements-asdf/test.txt', 'app/requirements.md', 'usr/lib/python3/dist-packages/x/requirements.txt'],
    big: () => {
      const count = 50_000;
      const lines = Array.from({ length: count }, (_, i) => `package-${i}[extra]==1.0.${i} ; python_version >= "3.8" \\\n    --hash=sha256:${'a'.repeat(64)}`);
      return { contents: encode(`# generated\n${lines.join('\n')}\n`), count };
    },
  },
  'poetry-lockfile': {
    wanted: ['poetry.lock', 'app/poetry.lock'],
    unwanted: ['app/pyproject.toml', 'venv/lib/python3.12/site-packages/x/poetry.lock', 'app/uv.lock'],
    big: () => {
      const count = 20_000;
      const table = (i: number): string =>
        `[[package]]\nname = "p${i}"\nversion = "1.0.${i}"\ndescription = "package ${i}"\noptional = false\npython-versions = ">=3.8"\nfiles = [\n    {file = "p${i}-1.0.${i}.tar.gz", hash = "sha256:${'a'.repeat(64)}"},\n]\n\n[package.dependencies]\nq = ">=1.0"\n`;
      return { contents: encode(`${Array.from({ length: count }, (_, i) => table(i)).join('\n')}\n[metadata]\nlock-version = "2.0"\n`), count };
    },
  },
  'pipfile-lockfile': {
    wanted: ['Pipfile.lock', 'app/Pipfile.lock'],
    unwanted: ['app/Pipfile', 'app/pipfile.lock', 'app/poetry.lock'],
    big: () => {
      const count = 50_000;
      const entries = (from: number, to: number): Record<string, unknown> =>
        Object.fromEntries(Array.from({ length: to - from }, (_, k) => [`p${from + k}`, { hashes: [`sha256:${'a'.repeat(64)}`], version: `==1.0.${from + k}` }]));
      return { contents: encode(JSON.stringify({ _meta: { 'pipfile-spec': 6 }, default: entries(0, count / 2), develop: entries(count / 2, count) })), count };
    },
  },
  'uv-lockfile': {
    wanted: ['uv.lock', 'app/uv.lock'],
    unwanted: ['app/uv.toml', 'app/poetry.lock', 'venv/lib/python3.12/site-packages/x/uv.lock'],
    big: () => {
      const count = 20_000;
      const table = (i: number): string =>
        `[[package]]\nname = "p${i}"\nversion = "1.0.${i}"\nsource = { registry = "https://pypi.org/simple" }\nsdist = { url = "https://files.example.invalid/p${i}-1.0.${i}.tar.gz", hash = "sha256:${'a'.repeat(64)}", size = 1000 }\nwheels = [\n    { url = "https://files.example.invalid/p${i}-1.0.${i}-py3-none-any.whl", hash = "sha256:${'b'.repeat(64)}", size = 900 },\n]\n`;
      return { contents: encode(`version = 1\nrequires-python = ">=3.10"\n\n${Array.from({ length: count }, (_, i) => table(i)).join('\n')}\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { virtual = "." }\n`), count };
    },
  },
  'python-installed': {
    wanted: ['usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA', 'usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info/PKG-INFO', 'usr/lib/python3/dist-packages/chardet-5.1.0.egg-info'],
    unwanted: ['usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD', 'usr/lib/python3/dist-packages/six.py', 'app/requirements.txt'],
    big: () => ({ contents: encode(`Metadata-Version: 2.1\nName: big\nVersion: 1.0.0\nDescription-Content-Type: text/markdown\n\n${'readme line\n'.repeat(400_000)}`), count: 1 }),
  },
  'go-mod': {
    wanted: ['go.mod', 'src/app/go.mod'],
    unwanted: ['app/vendor/github.com/x/y/go.mod', 'root/go/pkg/mod/github.com/x/y@v1.2.3/go.mod', 'app/go.sum'],
    big: () => {
      const count = 50_000;
      const requires = Array.from({ length: count }, (_, i) => `\texample.com/m${i} v1.0.${i}`).join('\n');
      // +1: the standard library, reported from the `go` line.
      return { contents: encode(`module example.com/big\n\ngo 1.22\n\nrequire (\n${requires}\n)\n`), count: count + 1 };
    },
  },
  'go-binary': {
    wanted: ['usr/local/bin/app', 'usr/bin/containerd', 'manager', 'app/server'],
    unwanted: ['usr/lib/x86_64-linux-gnu/libc.so.6', 'usr/share/doc/README', 'usr/local/bin/run.sh', 'app/go.mod'],
    big: () => {
      const count = 20_000;
      const deps = Array.from({ length: count }, (_, i) => `dep\texample.com/m${i}\tv1.0.${i}\th1:x=`).join('\n');
      const contents = buildGoElf({ goVersion: 'go1.22.1', modinfo: `path\texample.com/big\nmod\texample.com/big\t(devel)\t\n${deps}\n`, layout: 'inline' });
      return { contents, count: count + 1 }; // +1: stdlib
    },
  },
  'cargo-lock': {
    wanted: ['Cargo.lock', 'crates/app/Cargo.lock'],
    unwanted: ['root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/rg-14.1.0/Cargo.lock', 'Cargo.toml', 'package-lock.json'],
    big: () => {
      const count = 20_000;
      const entry = (i: number): string => `[[package]]\nname = "crate${i}"\nversion = "1.0.${i}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "${'a'.repeat(64)}"\ndependencies = [\n "crate${i + 1}",\n]\n`;
      return { contents: encode(`version = 3\n\n${Array.from({ length: count }, (_, i) => entry(i)).join('\n')}`), count };
    },
  },
  'gemfile-lock': {
    wanted: ['Gemfile.lock', 'srv/app/Gemfile.lock', 'srv/app/gems.locked'],
    unwanted: ['usr/local/bundle/gems/rake-13.0.6/Gemfile.lock', 'srv/app/Gemfile'],
    big: () => {
      const count = 50_000;
      const specs = Array.from({ length: count }, (_, i) => `    gem${i} (1.0.${i})\n      gem${i + 1} (~> 1.0)`).join('\n');
      return { contents: encode(`GEM\n  remote: https://rubygems.org/\n  specs:\n${specs}\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  gem0\n`), count };
    },
  },
  'composer-lock': {
    wanted: ['composer.lock', 'var/www/html/composer.lock'],
    unwanted: ['var/www/html/vendor/guzzlehttp/guzzle/composer.lock', 'var/www/html/composer.json'],
    big: () => {
      const count = 50_000;
      const packages = Array.from({ length: count }, (_, i) => ({ name: `vendor/p${i}`, version: `1.0.${i}`, dist: { type: 'zip', url: `https://example.invalid/p${i}.zip` } }));
      return { contents: encode(JSON.stringify({ packages: packages.slice(0, count / 2), 'packages-dev': packages.slice(count / 2) })), count };
    },
  },
  'maven-pom': {
    wanted: ['pom.xml', 'services/api/pom.xml'],
    unwanted: ['services/api/my-pom.xml', 'services/api/build.gradle', 'services/api/pom.xml.bak'],
    big: () => {
      const count = 20_000;
      const deps = Array.from({ length: count }, (_, i) => `<dependency><groupId>org.g${i}</groupId><artifactId>a</artifactId><version>\${v}.${i}</version><scope>${i % 2 === 0 ? 'test' : 'compile'}</scope></dependency>`).join('\n');
      return { contents: encode(`<?xml version="1.0"?>\n<project><properties><v>1.0</v></properties><dependencies>\n${deps}\n</dependencies></project>`), count };
    },
  },
  'gradle-lockfile': {
    wanted: ['gradle.lockfile', 'app/buildscript-gradle.lockfile', 'app/gradle/dependency-locks/runtimeClasspath.lockfile'],
    unwanted: ['app/build.gradle', 'app/dependency-locks/runtimeClasspath.lockfile', 'app/gradle.lockfile.orig'],
    big: () => {
      const count = 50_000;
      const lines = Array.from({ length: count }, (_, i) => `org.g${i}:artifact:1.0.${i}=compileClasspath,runtimeClasspath`).join('\n');
      return { contents: encode(`# This is a Gradle generated file for dependency locking.\n${lines}\nempty=annotationProcessor\n`), count };
    },
  },
  'java-archive': {
    wanted: ['app.jar', 'opt/tomcat/webapps/ROOT.war', 'opt/jboss/deployments/app.ear'],
    unwanted: ['opt/app/app.jar.sha1', 'opt/app/app.zip', 'opt/app/jar'],
    big: () => {
      const count = 2_000; // a war with 2,000 nested jars, each with its pom.properties
      const files: Record<string, Uint8Array> = {};
      for (let i = 0; i < count; i++) {
        files[`WEB-INF/lib/lib${i}.jar`] = zipSync({ [`META-INF/maven/org.g${i}/lib${i}/pom.properties`]: encode(`groupId=org.g${i}\nartifactId=lib${i}\nversion=1.0.${i}\n`), 'x/A.class': new Uint8Array(2048) });
      }
      return { contents: zipSync(files), count };
    },
  },
  'nuget-lockfile': {
    wanted: ['packages.lock.json', 'src/App/packages.lock.json'],
    unwanted: ['src/App/packages.config', 'src/App/my-packages.lock.json', 'package-lock.json'],
    big: () => {
      const count = 50_000;
      const deps: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) deps[`Pkg.N${i}`] = { type: i % 2 === 0 ? 'Direct' : 'Transitive', resolved: `1.0.${i}`, contentHash: 'x' };
      deps['My.Project'] = { type: 'Project' };
      return { contents: encode(JSON.stringify({ version: 1, dependencies: { 'net8.0': deps } })), count };
    },
  },
};

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

function printableJunk(length: number, seed: number): Uint8Array {
  const alphabet = encode('abcXYZ019 :{}[]",.-_@/\n\n\t');
  return randomBytes(length, seed).map((b) => alphabet[b % alphabet.length] ?? 0x20);
}

const hostileInputs: Array<[string, () => Uint8Array]> = [
  ['0-byte file', () => new Uint8Array(0)],
  ['whitespace only', () => encode(' \n\t\r\n\n')],
  ['empty JSON object', () => encode('{}')],
  ['JSON null', () => encode('null')],
  ['NUL bytes', () => new Uint8Array(4096)],
  ['invalid UTF-8', () => Uint8Array.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0x0a])],
  ['random bytes (64 KiB)', () => randomBytes(64 * 1024, 1)],
  ['random bytes (4 MiB)', () => randomBytes(4 * 1024 * 1024, 2)],
  ['printable junk (4 MiB)', () => printableJunk(4 * 1024 * 1024, 3)],
  ['deeply nested JSON', () => encode(`${'['.repeat(200_000)}${']'.repeat(200_000)}`)],
  ['unterminated deep JSON object', () => encode('{"packages":{"a":'.repeat(50_000))],
];

type Outcome = { result: ExtractResult } | { error: unknown };

async function run(extractor: AnyExtractor, path: string, contents: Uint8Array): Promise<Outcome> {
  try {
    return { result: await extractor.extract({ path, contents }) };
  } catch (error) {
    return { error };
  }
}

function expectWellFormed(outcome: Outcome, path: string): void {
  if ('error' in outcome) {
    // Only coded, one-line errors that name the file may escape an extractor.
    expect(isStellaError(outcome.error), String(outcome.error)).toBe(true);
    const { message } = outcome.error as { message: string };
    expect(message).toContain(path);
    expect(message).not.toContain('\n');
    return;
  }
  const { packages, warnings } = outcome.result;
  expect(Array.isArray(packages)).toBe(true);
  for (const pkg of packages) {
    expect(['deb', 'apk', 'rpm', 'npm', 'pypi', 'golang', 'cargo', 'gem', 'composer', 'maven', 'nuget']).toContain(pkg.type);
    expect(typeof pkg.name).toBe('string');
    expect(pkg.name).not.toBe('');
    expect(typeof pkg.version).toBe('string');
    expect(pkg.sourceFile).toBe(path);
    expect(['lockfile', 'installed', 'package-db']).toContain(pkg.evidence);
    if (pkg.installPath !== undefined) expect(pkg.installPath.startsWith('/')).toBe(false);
  }
  if (warnings !== undefined) {
    expect(warnings.every((w) => typeof w === 'string' && w.includes(path))).toBe(true);
    expect(warnings.length).toBeLessThanOrEqual(50);
  }
}

describe('extractor registry', () => {
  it('names are unique, non-empty and stable identifiers', () => {
    const names = builtinExtractors.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
  });

  it('refuses two extractors with the same name', () => {
    const [first] = builtinExtractors;
    if (first === undefined) throw new TypeError('no extractors registered');
    let thrown: unknown;
    try {
      createRegistry([first, { ...first }]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'INTERNAL' });
    expect((thrown as Error).message).toContain(`"${first.name}"`);
  });

  it('every registered extractor has contract samples', () => {
    expect(Object.keys(samples).sort()).toEqual(builtinExtractors.map((e) => e.name).sort());
  });
});

describe.each(defaultRegistry.extractors.map((e) => [e.name, e] as const))('extractor contract: %s', (name, extractor) => {
  const sample = samples[name];
  if (sample === undefined) throw new TypeError(`no contract samples for extractor ${name}`);
  const path = sample.wanted[0] ?? '';

  it('declares a sane size limit', () => {
    expect(Number.isSafeInteger(extractor.maxFileSize)).toBe(true);
    expect(extractor.maxFileSize).toBeGreaterThan(0);
  });

  it('fileRequired wants its files and not others', () => {
    for (const p of sample.wanted) expect(extractor.fileRequired(p), p).toBe(true);
    for (const p of sample.unwanted) expect(extractor.fileRequired(p), p).toBe(false);
  });

  it('fileRequired is pure and cheap', () => {
    const corpus = [
      ...Object.values(samples).flatMap((s) => [...s.wanted, ...s.unwanted]),
      '',
      '/',
      '.',
      'node_modules',
      `${'a/'.repeat(10_000)}package.json`,
      `${'node_modules/'.repeat(5_000)}x/package.json`,
      'var/lib/dpkg/status.d/\u0000',
    ];
    const first = corpus.map((p) => extractor.fileRequired(p));
    expect(first.every((v) => typeof v === 'boolean')).toBe(true);
    const start = performance.now();
    for (let round = 0; round < 200; round++) {
      expect(corpus.map((p) => extractor.fileRequired(p))).toEqual(first);
    }
    // About 4,000 calls including 20-60 KB paths; a predicate that reads files or backtracks would blow this.
    expect(performance.now() - start).toBeLessThan(2_000);
  });

  it.each(hostileInputs)('survives %s', async (_label, make) => {
    const contents = make();
    const copy = contents.slice();
    const outcome = await run(extractor, path, contents);
    expectWellFormed(outcome, path);
    // A plain loop: a deep toEqual over megabytes of typed array takes seconds.
    expect(contents.every((byte, i) => byte === copy[i])).toBe(true);
  });

  it('is deterministic', async () => {
    const { contents } = await sample.big();
    expect(await run(extractor, path, contents)).toEqual(await run(extractor, path, contents));
  });

  it('handles a large valid input quickly', async () => {
    const { contents, count } = await sample.big();
    const start = performance.now();
    const outcome = await run(extractor, path, contents);
    expect(performance.now() - start).toBeLessThan(10_000);
    expectWellFormed(outcome, path);
    expect('result' in outcome ? outcome.result.packages.length : -1).toBe(count);
  });

  it('refuses input above maxFileSize with LIMIT_EXCEEDED, without parsing it', async () => {
    const outcome = await run(extractor, path, new Uint8Array(extractor.maxFileSize + 1));
    expect('error' in outcome ? outcome.error : undefined).toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });
});
