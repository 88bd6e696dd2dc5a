import { describe, expect, it } from 'vitest';
import { parseOsRelease } from './os-release.js';

describe('parseOsRelease', () => {
  it('reads a Debian 12 os-release', () => {
    const text = [
      'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
      'NAME="Debian GNU/Linux"',
      'VERSION_ID="12"',
      'VERSION="12 (bookworm)"',
      'VERSION_CODENAME=bookworm',
      'ID=debian',
      'HOME_URL="https://www.debian.org/"',
      '',
    ].join('\n');
    expect(parseOsRelease(text)).toEqual({
      id: 'debian',
      versionId: '12',
      versionCodename: 'bookworm',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
    });
  });

  it('accepts bytes', () => {
    expect(parseOsRelease(new TextEncoder().encode('ID=ubuntu\nVERSION_ID="22.04"\n'))).toEqual({ id: 'ubuntu', versionId: '22.04' });
  });

  it('skips comments, blank lines and lines that are not assignments', () => {
    const text = '# comment\n\n   \nnot an assignment\n  # indented comment\nID=alpine\n=novalue\n1BAD=x\n';
    expect(parseOsRelease(text)).toEqual({ id: 'alpine' });
  });

  it('handles single quotes, double-quote escapes and CRLF', () => {
    const text = "ID='opensuse-leap'\r\nPRETTY_NAME=\"say \\\"hi\\\" \\\\ \\$HOME \\n\"\r\nVERSION_CODENAME=a\\ b\r\n";
    expect(parseOsRelease(text)).toEqual({ id: 'opensuse-leap', prettyName: 'say "hi" \\ $HOME \\n', versionCodename: 'a b' });
  });

  it('defaults ID to linux and omits empty fields, as os-release(5) says', () => {
    expect(parseOsRelease('VERSION_ID=""\nPRETTY_NAME=Linux\n')).toEqual({ id: 'linux', prettyName: 'Linux' });
    expect(parseOsRelease('')).toEqual({ id: 'linux' });
  });

  it('Debian sid has no VERSION_ID', () => {
    expect(parseOsRelease('PRETTY_NAME="Debian GNU/Linux trixie/sid"\nID=debian\nVERSION_CODENAME=trixie\n')).toEqual({
      id: 'debian',
      versionCodename: 'trixie',
      prettyName: 'Debian GNU/Linux trixie/sid',
    });
  });

  it('keeps the last assignment of a key, as a shell would', () => {
    expect(parseOsRelease('ID=debian\nID=ubuntu\n').id).toBe('ubuntu');
  });

  it('an unterminated quote keeps the rest of the line', () => {
    expect(parseOsRelease('ID="debian\n').id).toBe('debian');
    expect(parseOsRelease("ID='debian\n").id).toBe('debian');
  });
});
