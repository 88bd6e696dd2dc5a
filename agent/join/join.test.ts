import { describe, expect, it } from 'vitest';
import { defaultJoinDir, parseJoinSource } from './join.js';

describe('parseJoinSource and defaultJoinDir', () => {
  it.each([
    ['https://git.example/acme/state.git', { $case: 'url', url: 'https://git.example/acme/state.git' }, 'state'],
    ['HTTP://git.example/acme/mesh/', { $case: 'url', url: 'HTTP://git.example/acme/mesh/' }, 'mesh'],
    ['/media/usb/site.bundle', { $case: 'bundle', file: '/media/usb/site.bundle' }, 'site'],
    ['next', { $case: 'bundle', file: 'next' }, 'next'],
    ['https://git.example/', { $case: 'url', url: 'https://git.example/' }, 'state'],
  ])('%s is %j, cloned into %s', (text, source, dir) => {
    expect(parseJoinSource(text)).toEqual(source);
    expect(defaultJoinDir(parseJoinSource(text))).toBe(dir);
  });

  it('refuses URL schemes it cannot fetch from, naming what it can', () => {
    for (const text of ['ssh://git@host/state.git', 'file:///srv/state.git', 'git://host/state.git']) {
      expect(() => parseJoinSource(text)).toThrow(expect.objectContaining({ code: 'USAGE', message: `${text}: only http(s):// repository URLs and bundle files can be joined from` }));
    }
  });
});
