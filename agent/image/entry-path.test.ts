import { describe, expect, it } from 'vitest';
import { normalisePath, resolveInRoot, resolveParents, symlinkEscapes } from './entry-path.js';

const links = (map: Record<string, string>) => (path: string): string | undefined => map[path];

describe('normalisePath', () => {
  it.each([
    ['usr/lib/x', 'usr/lib/x'],
    ['usr/lib/', 'usr/lib'],
    ['./usr//lib/./x', 'usr/lib/x'],
    ['/etc/passwd', 'etc/passwd'],
    ['a/b/../c', 'a/c'],
    ['./', ''],
    ['.', ''],
    ['app/node_modules/.bin/x', 'app/node_modules/.bin/x'],
    ['etc/.wh.motd', 'etc/.wh.motd'],
    ['..a/b', '..a/b'],
  ])('%s → %s', (name, expected) => {
    expect(normalisePath(name)).toBe(expected);
  });

  it.each(['..', '../x', 'a/../../x', 'usr/../../../../etc/cron.d/x', '/../x'])('%s escapes the root', (name) => {
    expect(normalisePath(name)).toBeUndefined();
  });
});

describe('resolveInRoot', () => {
  it('follows relative and absolute symlinks inside the root', () => {
    const lookup = links({ 'etc/os-release': '../usr/lib/os-release', bin: 'usr/bin', abs: '/usr/share' });
    expect(resolveInRoot('etc/os-release', lookup, true)).toEqual({ path: 'usr/lib/os-release', clamped: false });
    expect(resolveInRoot('bin/sh', lookup, true)).toEqual({ path: 'usr/bin/sh', clamped: false });
    expect(resolveInRoot('abs/doc', lookup, true)).toEqual({ path: 'usr/share/doc', clamped: false });
  });

  it('clamps .. at the root, so no target leaves it', () => {
    const lookup = links({ escape: '../../../../etc', 'a/b': '../../../../../shadow' });
    expect(resolveInRoot('escape/passwd', lookup, true)).toEqual({ path: 'etc/passwd', clamped: true });
    expect(resolveInRoot('a/b', lookup, true)).toEqual({ path: 'shadow', clamped: true });
  });

  it('does not follow the last component unless asked', () => {
    const lookup = links({ 'etc/os-release': '../usr/lib/os-release' });
    expect(resolveInRoot('etc/os-release', lookup, false)?.path).toBe('etc/os-release');
  });

  it('gives up on a symlink loop', () => {
    expect(resolveInRoot('a/x', links({ a: 'b', b: 'a' }), true)).toBeUndefined();
    expect(resolveInRoot('self', links({ self: 'self' }), true)).toBeUndefined();
  });
});

describe('resolveParents', () => {
  it('moves an entry below a symlinked directory to where the link points', () => {
    const lookup = links({ data: '/var/lib', escape: '../../etc' });
    expect(resolveParents('data/dpkg/status', lookup)).toBe('var/lib/dpkg/status');
    expect(resolveParents('escape/shadow', lookup)).toBe('etc/shadow');
    const plain = 'usr/lib/x';
    expect(resolveParents(plain, lookup)).toBe(plain);
  });
});

describe('symlinkEscapes', () => {
  it.each([
    ['escape', '../../../etc', true],
    ['usr/lib/x', '../../../../y', true],
    ['etc/os-release', '../usr/lib/os-release', false],
    ['bin', '/usr/bin', false],
    ['a/b/link', '../c/../../d', false],
  ])('%s -> %s: %s', (path, target, escapes) => {
    expect(symlinkEscapes(path, target)).toBe(escapes);
  });
});
