import { describe, expect, it } from 'vitest';
import { parseChallenge } from './challenge.js';
import { formatPlatform, parsePlatform, platformMatches } from './platform.js';
import { parseRegistryReference } from './reference.js';
import { checkRealm, checkUrl, isLoopback, registryScheme } from './transport.js';

const digest = `sha256:${'ab'.repeat(32)}`;

describe('parseRegistryReference', () => {
  it('reads host, port, repository, tag and digest', () => {
    expect(parseRegistryReference('registry://127.0.0.1:5000/stella/debian-node:1')).toMatchObject({ host: '127.0.0.1:5000', hostname: '127.0.0.1', repository: 'stella/debian-node', tag: '1', digest: undefined, reference: '1', name: '127.0.0.1:5000/stella/debian-node:1' });
    expect(parseRegistryReference(`registry://registry.example/app:2@${digest}`)).toMatchObject({ host: 'registry.example', tag: '2', digest, reference: digest });
    expect(parseRegistryReference('registry://[::1]:5000/app:1')).toMatchObject({ host: '[::1]:5000', hostname: '::1' });
  });
  it.each([
    ['registry://127.0.0.1:5000/app', 'name a tag'],
    ['registry://app:1', 'expected registry://HOST'],
    ['registry://127.0.0.1:5000/App:1', 'not a repository name'],
    ['registry://127.0.0.1:99999/app:1', 'not a host name'],
    ['registry://h/app@sha256:abc', 'not a sha256'],
    ['docker://h/app:1', 'starts with registry://'],
  ])('%s is refused (%s)', (input, why) => {
    expect(() => parseRegistryReference(input)).toThrow(why);
  });
});

describe('parseChallenge', () => {
  it('reads a Bearer challenge with quoted and bare parameters', () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
    });
    expect(parseChallenge('Basic realm=x')).toEqual({ scheme: 'basic', params: { realm: 'x' } });
    expect(parseChallenge(null)).toBeUndefined();
    expect(parseChallenge('')).toBeUndefined();
  });
});

describe('platforms', () => {
  it('parses, formats and matches os/arch[/variant]', () => {
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(formatPlatform(parsePlatform('linux/amd64'))).toBe('linux/amd64');
    expect(() => parsePlatform('linux')).toThrow('expected os/arch[/variant]');
    expect(platformMatches({ os: 'linux', architecture: 'arm', variant: 'v7' }, parsePlatform('linux/arm/v6'))).toBe(false);
    expect(platformMatches({ os: 'linux', architecture: 'arm64' }, parsePlatform('linux/arm64/v8'))).toBe(true);
    expect(platformMatches({ os: 'linux', architecture: 'amd64' }, parsePlatform('linux/arm64'))).toBe(false);
  });
});

describe('transport policy', () => {
  const policy = { insecure: ['registry.lan:5000'] };
  it('uses http only for loopback and named insecure hosts', () => {
    expect(isLoopback('127.0.0.2')).toBe(true);
    expect(isLoopback('[::1]')).toBe(true);
    expect(isLoopback('10.0.0.1')).toBe(false);
    expect(registryScheme('127.0.0.1:5000', '127.0.0.1', policy)).toBe('http');
    expect(registryScheme('registry.lan:5000', 'registry.lan', policy)).toBe('http');
    expect(registryScheme('registry.example', 'registry.example', policy)).toBe('https');
  });
  it('refuses plain http elsewhere, and a realm on another host unless https or loopback', () => {
    expect(() => checkUrl(new URL('http://10.0.0.5:5000/v2/'), policy, 'x')).toThrow('refusing plain http to 10.0.0.5:5000');
    expect(() => checkUrl(new URL('http://registry.lan:5000/v2/'), policy, 'x')).not.toThrow();
    expect(() => checkRealm(new URL('http://auth.example/token'), 'registry.lan:5000', policy, 'x')).toThrow('another host over plain http; refused');
    expect(() => checkRealm(new URL('https://auth.example/token'), 'registry.lan:5000', policy, 'x')).not.toThrow();
    expect(() => checkRealm(new URL('http://127.0.0.1:9/token'), 'registry.lan:5000', policy, 'x')).not.toThrow();
  });
});
