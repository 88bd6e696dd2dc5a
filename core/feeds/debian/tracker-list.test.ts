import { describe, expect, it } from 'vitest';
import { isStellaError } from '../../errors.js';
import { isDebianTrackerList, MAX_WARNINGS, parseDebianTrackerList } from './tracker-list.js';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

const GOOD = [
  '[29 Mar 2023] DSA-5380-1 xorg-server - security update',
  '\t{CVE-2023-1393}',
  '\t[bullseye] - xorg-server 2:1.20.11-1+deb11u6',
  '[25 Oct 2005] DSA-871-1 libgda2 - format string',
  '\t{CVE-2005-2958}',
  '        [woody] - libgda <not-affected> (Does not contain the vulnerable code)',
  '        [sarge] - libgda2 1.2.1-2sarge1',
  '\tNOTE: not fixed in testing at time of DSA (waiting on deps)',
  '',
].join('\n');

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseDebianTrackerList', () => {
  it('reads headers, CVE lines, release lines with statuses and notes, whatever the indentation', () => {
    const { entries, skipped, warnings } = parseDebianTrackerList(encode(GOOD), 'test/list');
    expect(skipped).toBe(0);
    expect(warnings).toEqual([]);
    expect(entries.map((e) => [e.id, e.date, e.title, e.cves, e.line])).toEqual([
      ['DSA-5380-1', '2023-03-29', 'xorg-server - security update', ['CVE-2023-1393'], 1],
      ['DSA-871-1', '2005-10-25', 'libgda2 - format string', ['CVE-2005-2958'], 4],
    ]);
    const [woody, sarge] = entries[1]?.releases ?? [];
    expect(woody).toMatchObject({ package: 'libgda', status: { $case: 'not-affected' }, note: 'Does not contain the vulnerable code', line: 6 });
    expect(woody?.release.codename).toBe('woody');
    expect(sarge).toMatchObject({ package: 'libgda2', status: { $case: 'fixed', version: '1.2.1-2sarge1' }, line: 7 });
    expect(sarge?.release.version).toBe('3.1');
  });

  it('sorts CVE ids by year and number and drops repeats', () => {
    const { entries } = parseDebianTrackerList('[24 Feb 2023] DSA-5363-1 php7.4 - security update\n\t{CVE-2023-10000 CVE-2023-0567 CVE-2022-31631}\n\t{CVE-2023-0567}\n', 'x');
    expect(entries[0]?.cves).toEqual(['CVE-2022-31631', 'CVE-2023-0567', 'CVE-2023-10000']);
  });

  it('accepts CRLF line ends and a header with no title', () => {
    const { entries, skipped } = parseDebianTrackerList('[02 Jul 2002] DSA-135\r\n\t[woody] - libapache-mod-ssl 2.8.9-2\r\n', 'x');
    expect(skipped).toBe(0);
    expect(entries[0]).toMatchObject({ id: 'DSA-135', title: '', releases: [{ package: 'libapache-mod-ssl', status: { $case: 'fixed', version: '2.8.9-2' } }] });
  });

  it('skips and counts an entry whose header is broken, with the lines below it', () => {
    const text = [
      '[31 Feb 2023] DSA-9999-1 bogus - bad date', // no 31 February
      '\t{CVE-2023-0001}',
      '\t[bullseye] - bogus 1.0-1',
      '[01 Foo 2023] DSA-9998-1 bogus - bad month',
      '[29 Mar 20',
      '\t[bullseye] - truncated 1.0-1',
      'garbage at column zero',
      '[27 Mar 2023] DSA-5379-1 dino-im - security update',
      '\t{CVE-2023-28686}',
      '\t[bullseye] - dino-im 0.2.0-3+deb11u1',
    ].join('\n');
    const { entries, skipped, warnings } = parseDebianTrackerList(`[29 Mar 2023] DSA-5380-1 xorg-server - security update\n${text}\n`, 'DSA/list');
    expect(entries.map((e) => e.id)).toEqual(['DSA-5380-1', 'DSA-5379-1']);
    expect(entries[1]?.releases).toHaveLength(1);
    expect(skipped).toBe(4);
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toBe('DSA/list:2: entry DSA-9999-1 skipped: "31 Feb 2023" is not a date');
    expect(warnings[2]).toMatch(/^DSA\/list:6: entry skipped: cannot read header "\[29 Mar 20"$/);
  });

  it('skips and counts single bad lines and keeps the rest of the entry', () => {
    const text = [
      '[29 Mar 2023] DSA-5380-1 xorg-server - security update',
      '\t{CVE-2023-1393', // truncated
      '\t{CVE-2023-1393 not-a-cve}',
      '\t[bullseye] - xorg-server', // truncated: no version
      '\t[bullseye] - xorg-server 2:1.20.11-1+deb11u6 trailing words',
      '\t[sid] - xorg-server 2:21.1.7-3', // no release number
      '\t[11] - xorg-server 2:1.20.11-1+deb11u6',
      '\t[woody] - kernel-image-2.4.17-ia64 kernel-image-2.4.17-ia64', // the real DSA-423 typo
      '\t[woody] - foo <no-dsa>',
      '\t[woody] - foo_bar 1.0',
      '\tsomething else',
      '\t[bullseye] - xorg-server 2:1.20.11-1+deb11u6',
    ].join('\n');
    const { entries, skipped, warnings } = parseDebianTrackerList(text, 'DSA/list');
    expect(entries).toHaveLength(1);
    expect(entries[0]?.cves).toEqual(['CVE-2023-1393']);
    expect(entries[0]?.releases.map((r) => r.line)).toEqual([12]);
    expect(skipped).toBe(10);
    expect(warnings.map((w) => w.split(':')[1])).toEqual(['2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
    expect(warnings[6]).toBe('DSA/list:8: DSA-5380-1: release line skipped: "kernel-image-2.4.17-ia64" is neither a dpkg version nor a known <status>');
  });

  it('refuses input that is not a tracker list, naming the input and line', () => {
    for (const [text, where] of [
      ['', 'x: empty input'],
      ['\n\n  \n', 'x: empty input'],
      ['{"id":"DSA-5380-1"}', 'x:1: not a Debian security tracker list'],
      ['\n\t[bullseye] - xorg-server 1.0\n', 'x:2: not a Debian security tracker list'],
      ['CVE-2023-0001 (foo)\n\t- bar 1.0\n', 'x:1: not a Debian security tracker list'], // data/CVE/list
    ] as const) {
      const error = thrown(() => parseDebianTrackerList(text, 'x'));
      expect(isStellaError(error) && error.code).toBe('ADVISORY_INVALID');
      expect((error as Error).message.startsWith(where), (error as Error).message).toBe(true);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('caps warnings but counts every skipped line', () => {
    const lines = ['[29 Mar 2023] DSA-5380-1 x - y', ...Array.from({ length: 200 }, () => '\tjunk')];
    const { skipped, warnings } = parseDebianTrackerList(lines.join('\n'), 'x');
    expect(skipped).toBe(200);
    expect(warnings).toHaveLength(MAX_WARNINGS);
  });
});

describe('isDebianTrackerList', () => {
  it('recognises DSA and DLA lists from their first line', () => {
    expect(isDebianTrackerList(encode(GOOD))).toBe(true);
    expect(isDebianTrackerList(encode('\n[01 Apr 2023] DLA-3380-1 firmware-nonfree - security update\n'))).toBe(true);
  });

  it('rejects other formats', () => {
    for (const text of ['', '{"id":"DSA-5380-1"}', 'cve,epss,percentile', 'CVE-2023-0001 (foo)\n', '[29 Mar 2023] CVE-2023-1393 x', 'PK\u0003\u0004']) {
      expect(isDebianTrackerList(encode(text)), text).toBe(false);
    }
  });
});
