import { describe, expect, it } from 'vitest';
import type { Report } from '../model/report.js';
import { parseReport, serializeReport } from './serialize.js';

const report = (): Report => ({
  schema: 'stella.report/v1',
  tool: { name: 'stella', version: '0' },
  target: { kind: 'oci-archive', name: 'app:1', digest: `sha256:${'a'.repeat(64)}` },
  inputs: { feed: null },
  summary: { components: 3, findings: 0, severities: {} },
  coverage: {
    ecosystems: [
      { ecosystem: 'npm', type: 'npm', components: 1, checked: 1, advisories: 170 },
      { ecosystem: 'Debian:12', type: 'deb', components: 2, checked: 0, advisories: 0 },
    ],
    unchecked: [
      { purl: 'pkg:deb/debian/libc6@2.36-9?distro=debian-12', type: 'deb', ecosystem: 'Debian:12', reason: 'no-advisories' },
      { purl: 'pkg:deb/debian/bash@5.2.15-2?distro=debian-12', type: 'deb', ecosystem: 'Debian:12', reason: 'no-advisories' },
    ],
  },
  components: [],
  findings: [],
  warnings: ['b', 'a'],
});

describe('serializeReport', () => {
  it('writes coverage sorted, one ecosystem and one unchecked component per line', () => {
    const text = serializeReport(report());
    expect(text).toContain(
      '"coverage":{\n' +
        '"ecosystems":[\n' +
        '{"advisories":0,"checked":0,"components":2,"ecosystem":"Debian:12","type":"deb"},\n' +
        '{"advisories":170,"checked":1,"components":1,"ecosystem":"npm","type":"npm"}\n' +
        '],\n' +
        '"unchecked":[\n' +
        '{"ecosystem":"Debian:12","purl":"pkg:deb/debian/bash@5.2.15-2?distro=debian-12","reason":"no-advisories","type":"deb"},\n' +
        '{"ecosystem":"Debian:12","purl":"pkg:deb/debian/libc6@2.36-9?distro=debian-12","reason":"no-advisories","type":"deb"}\n' +
        ']\n' +
        '},\n',
    );
    expect(parseReport(text, 'r.json')).toEqual(JSON.parse(text));
  });

  it('gives the same bytes for the same report, whatever the order of its lists', () => {
    const shuffled = report();
    shuffled.coverage.ecosystems.reverse();
    shuffled.coverage.unchecked.reverse();
    shuffled.warnings.reverse();
    expect(serializeReport(shuffled)).toBe(serializeReport(report()));
    // Round trip: what is read back serialises to the same bytes.
    const text = serializeReport(report());
    expect(serializeReport(parseReport(text, 'r.json'))).toBe(text);
  });

  it('writes a stored report from before coverage was recorded as it came', () => {
    const { coverage: _dropped, ...older } = report();
    const text = serializeReport(older as Report);
    expect(text).not.toContain('coverage');
    expect(serializeReport(parseReport(text, 'r.json'))).toBe(text);
  });
});
