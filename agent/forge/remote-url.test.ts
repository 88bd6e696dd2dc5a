/** Which forge repository an `origin` URL names, in every form `git clone` accepts for a hosted repository. */
import { describe, expect, it } from 'vitest';
import { parseRemoteUrl, withoutCredentials } from './remote-url.js';

describe('parseRemoteUrl', () => {
  it.each([
    ['https://github.com/acme/state.git', 'github.com', 'acme/state'],
    ['https://github.com/acme/state', 'github.com', 'acme/state'],
    ['https://github.com/acme/state/', 'github.com', 'acme/state'],
    ['https://GitHub.com/Acme/State.git', 'github.com', 'Acme/State'],
    ['http://ghe.example.com:8080/acme/state.git', 'ghe.example.com', 'acme/state'],
    ['https://x-access-token:ghs_secret@github.com/acme/state.git', 'github.com', 'acme/state'],
    ['git@github.com:acme/state.git', 'github.com', 'acme/state'],
    ['github.com:acme/state', 'github.com', 'acme/state'],
    ['ssh://git@github.com/acme/state.git', 'github.com', 'acme/state'],
    ['ssh://git@ssh.github.com:443/acme/state.git', 'ssh.github.com', 'acme/state'],
    ['git+ssh://git@github.com/acme/state.git', 'github.com', 'acme/state'],
    ['git://github.com/acme/state.git', 'github.com', 'acme/state'],
    ['git@gitlab.example.com:group/sub/state.git', 'gitlab.example.com', 'group/sub/state'],
    ['https://github.com/acme/state.js.git', 'github.com', 'acme/state.js'],
  ])('%s → %s %s', (url, host, slug) => {
    expect(parseRemoteUrl(url)).toEqual({ host, slug });
  });

  it.each([
    ['/srv/git/state.git', /is a local path/],
    ['../state', /is a local path/],
    ['file:///srv/git/state.git', /uses file:\/\//],
    ['https://github.com/', /has no owner\/name path/],
    ['https://github.com/acme/st%20ate', /has no owner\/name path/],
  ])('refuses %s and asks for --repo-slug', (url, pattern) => {
    expect(() => parseRemoteUrl(url)).toThrow(pattern);
    expect(() => parseRemoteUrl(url)).toThrow(/--repo-slug owner\/name/);
  });

  it('never repeats credentials from the URL in an error', () => {
    let message = '';
    try {
      parseRemoteUrl('https://user:ghp_secret@github.com/');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('https://github.com/');
    expect(message).not.toContain('ghp_secret');
    expect(withoutCredentials('ssh://git:pw@host/a/b')).toBe('ssh://host/a/b');
  });
});
