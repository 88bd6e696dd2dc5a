import { describe, expect, it } from 'vitest';
import { builtinExtractors, createRegistry, defaultRegistry, extractorsFor } from './registry.js';

describe('extractor registry', () => {
  it('lists the built-in extractors explicitly, in order', () => {
    expect(builtinExtractors.map((e) => e.name)).toEqual([
      'dpkg', 'apk', 'rpm',
      'npm-lockfile', 'npm-installed', 'yarn-lockfile', 'pnpm-lockfile',
      'requirements-txt', 'poetry-lockfile', 'pipfile-lockfile', 'uv-lockfile', 'python-installed',
      'go-mod', 'go-binary', 'cargo-lock', 'gemfile-lock', 'composer-lock',
      'maven-pom', 'gradle-lockfile', 'java-archive', 'nuget-lockfile',
    ]);
    expect(Object.isFrozen(builtinExtractors)).toBe(true);
  });

  it.each([
    ['var/lib/dpkg/status', ['dpkg']],
    ['var/lib/dpkg/status.d/libc6', ['dpkg']],
    ['app/package-lock.json', ['npm-lockfile']],
    ['app/node_modules/.package-lock.json', ['npm-lockfile']],
    ['app/node_modules/express/package.json', ['npm-installed']],
    ['lib/apk/db/installed', ['apk']],
    ['var/lib/rpm/rpmdb.sqlite', ['rpm']],
    ['usr/lib/sysimage/rpm/rpmdb.sqlite', ['rpm']],
    ['var/lib/rpm/Packages', ['rpm']],
    ['app/package.json', []],
    ['etc/os-release', []],
  ])('extractorsFor(%s)', (path, names) => {
    expect(extractorsFor(path).map((e) => e.name)).toEqual(names);
  });

  it('byName', () => {
    expect(defaultRegistry.byName('dpkg')?.name).toBe('dpkg');
    expect(defaultRegistry.byName('nope')).toBeUndefined();
  });

  it('a registry keeps an extractor\'s stream, with the same size check as extract', () => {
    const go = defaultRegistry.byName('go-binary');
    const sink = go?.stream?.({ path: 'usr/bin/x', size: 4 });
    expect(sink?.write(new TextEncoder().encode('#!/b'))).toBe(false);
    expect(sink?.end()).toEqual({ $case: 'done', result: { packages: [] } });
    expect(() => go?.stream?.({ path: 'usr/bin/x', size: (go.maxFileSize) + 1 })).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
    expect(defaultRegistry.byName('dpkg')?.stream).toBeUndefined();
  });

  it('a registry is a snapshot: changing the input list later does not change it', () => {
    const list = [...builtinExtractors];
    const registry = createRegistry(list);
    list.pop();
    expect(registry.extractors).toHaveLength(builtinExtractors.length);
  });
});
