/** The kit manifest: canonical bytes, and everything the parser refuses. */
import { describe, expect, it } from 'vitest';
import { buildKitManifest, encodeKitManifest, parseKitManifest, type KitManifest } from './manifest.js';

const source = { commit: 'c'.repeat(40), ref: 'main', sequence: 3, committed: '2025-03-01T00:00:00.000Z', trustAnchor: 'a'.repeat(64) };
const files = [
  { path: 'stella.yaml', size: 8, sha256: '1'.repeat(64) },
  { path: 'feeds/osv/manifest.json', size: 2, sha256: '2'.repeat(64) },
];

describe('kit manifest', () => {
  it('is canonical sorted JSON with files in path order, and parses back', () => {
    const bytes = encodeKitManifest(buildKitManifest(source, files));
    const text = new TextDecoder().decode(bytes);
    expect(text.indexOf('"files"')).toBeLessThan(text.indexOf('"format"'));
    expect(text.endsWith('}\n')).toBe(true);
    const parsed = parseKitManifest(bytes, 'm');
    expect(parsed.files.map((f) => f.path)).toEqual(['feeds/osv/manifest.json', 'stella.yaml']);
    expect(parsed.source).toEqual(source);
    expect(encodeKitManifest(parsed)).toEqual(bytes);
  });

  const valid = (): KitManifest => buildKitManifest(source, files);
  it.each([
    ['another type', (m: KitManifest) => ({ ...m, type: 'x' }), /type is "x"/],
    ['a newer format', (m: KitManifest) => ({ ...m, format: 2 }), /newer than this stella reads/],
    ['a short commit', (m: KitManifest) => ({ ...m, source: { ...m.source, commit: 'abc' } }), /source.commit/],
    ['sequence 0', (m: KitManifest) => ({ ...m, source: { ...m.source, sequence: 0 } }), /source.sequence/],
    ['no anchor', (m: KitManifest) => ({ ...m, source: { ...m.source, trustAnchor: undefined } }), /source.trustAnchor/],
    ['a .. path', (m: KitManifest) => ({ ...m, files: [{ ...files[1], path: 'feeds/../x' }, files[0]] }), /'\.\.' segment/],
    ['a path outside the kit folders', (m: KitManifest) => ({ ...m, files: [{ ...files[1], path: 'findings/n/r.json' }, files[0]] }), /outside what a kit carries/],
    ['files out of order', (m: KitManifest) => ({ ...m, files: [...m.files].reverse() }), /out of order/],
    ['a file listed twice', (m: KitManifest) => ({ ...m, files: [m.files[0], m.files[0], m.files[1]] }), /listed twice/],
    ['no stella.yaml', (m: KitManifest) => ({ ...m, files: [m.files[0]] }), /lists no stella.yaml/],
    ['an upper-case digest', (m: KitManifest) => ({ ...m, files: [{ ...m.files[0], sha256: 'A'.repeat(64) }, m.files[1]] }), /sha256/],
    ['a negative size', (m: KitManifest) => ({ ...m, files: [{ ...m.files[0], size: -1 }, m.files[1]] }), /size/],
  ] as [string, (m: KitManifest) => unknown, RegExp][])('refuses %s', (_label, edit, message) => {
    expect(() => parseKitManifest(new TextEncoder().encode(JSON.stringify(edit(valid()))), 'm')).toThrow(message);
  });

  it('refuses bytes that are not UTF-8 JSON', () => {
    expect(() => parseKitManifest(new Uint8Array([0xff]), 'm')).toThrow(/m: not valid JSON/);
    expect(() => parseKitManifest(new TextEncoder().encode('[]'), 'm')).toThrow(/expected a JSON object/);
  });
});
