import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assertSubject, buildStatement, findSubject, INTOTO_STATEMENT_V1, parseStatement } from './intoto.js';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('in-toto Statement v1', () => {
  const input = {
    subjects: [{ name: 'app.tgz', sha256: sha('app') }, { name: 'lib.tgz', sha256: sha('lib').toUpperCase() }],
    predicateType: 'https://stella-mesh.dev/scan/v1',
    predicate: { findings: 2, clean: false, tool: { name: 'stella', version: '0.1.0' } },
  };

  it('is written as canonical JSON with the v1 type and lowercase digests', () => {
    const text = new TextDecoder().decode(buildStatement(input));
    expect(text).toBe(
      `{"_type":"${INTOTO_STATEMENT_V1}","predicate":{"clean":false,"findings":2,"tool":{"name":"stella","version":"0.1.0"}},` +
        `"predicateType":"https://stella-mesh.dev/scan/v1","subject":[{"digest":{"sha256":"${sha('app')}"},"name":"app.tgz"},` +
        `{"digest":{"sha256":"${sha('lib')}"},"name":"lib.tgz"}]}`,
    );
  });

  it('reads back what it wrote', () => {
    const statement = parseStatement(buildStatement(input));
    expect(statement.subject.map((s) => s.name)).toEqual(['app.tgz', 'lib.tgz']);
    expect(statement.predicate).toEqual(input.predicate);
  });

  it('finds the subject by sha256, and by name too when one is given', () => {
    const statement = parseStatement(buildStatement(input));
    expect(findSubject(statement, { sha256: sha('lib') })?.name).toBe('lib.tgz');
    expect(findSubject(statement, { name: 'app.tgz', sha256: sha('app').toUpperCase() })?.name).toBe('app.tgz');
    expect(findSubject(statement, { name: 'lib.tgz', sha256: sha('app') })).toBeUndefined();
    expect(findSubject(statement, { name: 'app.tgz', sha256: sha('app!') })).toBeUndefined();
    expect(() => assertSubject(statement, { name: 'other.tgz', sha256: sha('other') })).toThrow(
      expect.objectContaining({ code: 'DIGEST_MISMATCH', message: `artifact other.tgz (sha256:${sha('other')}) is not a subject of the statement; it names app.tgz, lib.tgz` }),
    );
  });

  it('refuses to build statements without subjects or with bad digests', () => {
    expect(() => buildStatement({ ...input, subjects: [] })).toThrow(/at least one subject/);
    expect(() => buildStatement({ ...input, subjects: [{ name: 'a', sha256: 'abc' }] })).toThrow(/subject\[0\]\.digest\.sha256 is not a 64-digit hex SHA-256/);
    expect(() => buildStatement({ ...input, predicateType: '' })).toThrow(/predicateType must not be empty/);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['not JSON', '{', /payload is not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['the v0.1 type', `{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"a","digest":{"sha256":"${sha('a')}"}}],"predicateType":"p"}`, /_type is "https:\/\/in-toto.io\/Statement\/v0.1", expected/],
    ['no subject', `{"_type":"${INTOTO_STATEMENT_V1}","subject":[],"predicateType":"p"}`, /subject is missing or empty/],
    ['a subject without digest', `{"_type":"${INTOTO_STATEMENT_V1}","subject":[{"name":"a","digest":{}}],"predicateType":"p"}`, /subject\[0\]\.digest is missing or empty/],
    ['a malformed sha256', `{"_type":"${INTOTO_STATEMENT_V1}","subject":[{"name":"a","digest":{"sha256":"xyz"}}],"predicateType":"p"}`, /subject\[0\]\.digest\.sha256 is not a 64-digit/],
    ['no predicateType', `{"_type":"${INTOTO_STATEMENT_V1}","subject":[{"name":"a","digest":{"sha1":"00"}}]}`, /predicateType is missing/],
    ['a non-object predicate', `{"_type":"${INTOTO_STATEMENT_V1}","subject":[{"name":"a","digest":{"sha1":"00"}}],"predicateType":"p","predicate":[1]}`, /predicate is not an object/],
  ];
  for (const [name, text, message] of bad) {
    it(`refuses ${name} with JSON_INVALID`, () => {
      expect(() => parseStatement(utf8(text))).toThrow(message);
      expect(() => parseStatement(utf8(text))).toThrow(expect.objectContaining({ code: 'JSON_INVALID' }));
    });
  }

  it('refuses bytes that are not UTF-8', () => {
    expect(() => parseStatement(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(/in-toto statement is not valid UTF-8/);
  });

  it('keeps an absent predicate absent', () => {
    const statement = parseStatement(utf8(`{"_type":"${INTOTO_STATEMENT_V1}","subject":[{"name":"a","digest":{"sha256":"${sha('a')}"}}],"predicateType":"p"}`));
    expect('predicate' in statement).toBe(false);
  });
});
