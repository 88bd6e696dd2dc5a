import { describe, expect, it } from 'vitest';
import { compileGlob, globProblem } from './glob.js';
import { purlMatches, purlPackage } from './purl-match.js';

describe('policy patterns', () => {
  it('match literally, with * for any run of characters', () => {
    const glob = compileGlob('pkg:npm/lodash@4.*');
    expect(glob.test('pkg:npm/lodash@4.17.15')).toBe(true);
    expect(glob.test('pkg:npm/lodash@3.10.1')).toBe(false);
    expect(compileGlob('a*b*c').test('abc')).toBe(true);
    expect(compileGlob('a*b*c').test('a-c-b')).toBe(false);
    expect(compileGlob('a*a').test('a')).toBe(false);
    expect(compileGlob('*').test('')).toBe(true);
    // Nothing but '*' is special: dots, brackets and question marks are literal.
    expect(compileGlob('pkg:pypi/a.b?[x]').test('pkg:pypi/aXb?[x]')).toBe(false);
    expect(compileGlob('pkg:pypi/a.b?[x]').test('pkg:pypi/a.b?[x]')).toBe(true);
  });

  it('refuse what can only be a typo, saying why', () => {
    expect(globProblem('', 'package')).toBe('is empty');
    expect(globProblem('pkg:npm/left pad', 'purl')).toBe('contains whitespace or a control character');
    expect(globProblem('pkg:npm/**', 'purl')).toMatch(/'\*\*'/);
    expect(globProblem('npm/lodash', 'purl')).toMatch(/not a purl pattern/);
    expect(globProblem('a*b*c*d*e*f*g*h*i*j', 'package')).toMatch(/more than 8/);
    expect(globProblem('pkg:npm/lodash', 'ecosystem')).toMatch(/not an ecosystem pattern/);
    expect(globProblem('pkg:npm/lodash@*', 'purl')).toBeUndefined();
    expect(globProblem('pkg:*', 'purl')).toBeUndefined();
    expect(globProblem('Debian:*', 'ecosystem')).toBeUndefined();
  });

  it('a purl pattern without a version names every version of the package', () => {
    expect(purlPackage('pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12')).toBe('pkg:deb/debian/openssl');
    expect(purlPackage('pkg:npm/%40babel/core@7.0.0')).toBe('pkg:npm/%40babel/core');
    expect(purlMatches(compileGlob('pkg:npm/lodash'), 'pkg:npm/lodash@4.17.15')).toBe(true);
    expect(purlMatches(compileGlob('pkg:npm/lodash'), 'pkg:npm/lodash-es@4.17.15')).toBe(false);
    expect(purlMatches(compileGlob('pkg:deb/*'), 'pkg:deb/debian/openssl@3.0.11-1?arch=amd64')).toBe(true);
  });
});
