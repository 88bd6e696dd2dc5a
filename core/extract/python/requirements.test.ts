import { describe, expect, it } from 'vitest';
import { expectFixtureCase, expectStellaError, fixtureExtract, ids, peerFixtures, textExtract } from '../fixtures.test-helper.js';
import { isRequirementsFile, requirementsExtractor } from './requirements.js';

const extractFixture = fixtureExtract(requirementsExtractor, peerFixtures('requirements-txt'), 'app/requirements.txt');
const extractText = textExtract(requirementsExtractor, 'requirements.txt');

describe('requirements-txt: fixtures/EXPECTED.md (osv-scalibr)', () => {
  // [fixture, count, the name@version EXPECTED.md lists first]. The peer compares sorted lists; we check membership.
  const cases: Array<[string, number, string[]]> = [
    ['multiline_and_comments.txt', 2, ['pkgA@1.0', 'pkgB@2.0']],
    ['no_version.txt', 0, []],
    ['comments.txt', 5, ['PyCrypto@1.2-alpha', 'GMPY2@1', 'SymPy@1.2']],
    ['extras.txt', 2, ['pyjwt@2.1.0', 'celery@4.4.7']],
    ['trailing_backslash.txt', 1, ['pkg1@1.0']],
    // Not in EXPECTED.md, staged beside the others: includes only, and the file they include.
    ['loop.txt', 0, []],
    ['other-loop.txt', 0, []],
    ['other-requirements.txt', 1, ['pandas@2.2.3']],
  ];

  it.each(cases)('%s: %i packages', (fixture, count, expected) => {
    expectFixtureCase(extractFixture(fixture), count, expected, { type: 'pypi', evidence: 'lockfile', sourceFile: 'app/requirements.txt' }, 'only');
  });

  it('env_var.txt: 2 packages; the unexpanded ${VAR} pin is a warning (the peer drops it silently)', () => {
    const result = extractFixture('env_var.txt');
    expect(ids(result)).toEqual(['asdf@1.2', 'another@1.0']);
    expect(result.warnings).toEqual(['app/requirements.txt: line 2: qwert: version "==${MY_VARIABLE_1}" uses an environment variable; skipped']);
  });

  // Deliberate difference: the peer reports ranges (>=, ~=, <=) with their bound as the version
  // (EXPECTED.md: 10 and 4, newspaper3k@0.2.2 and keyring@4.1.1 among them). A bound is not what is
  // installed, and matching advisories against it gives false findings both ways, so only pins count.
  it('with_versions.txt: the 7 pins, not the 10 the peer counts with its ranges', () => {
    const result = extractFixture('with_versions.txt');
    expect(ids(result)).toEqual(['nltk@3.2.2', 'tabulate@0.7.7', 'qwerty@0.1', 'hy-phen@1.2', 'under_score@1.3', 'pkg.dot.name@5.0.0', 'yolo@1.0']);
    expect(ids(result)).not.toContain('newspaper3k@0.2.2');
    expect(result.warnings).toBeUndefined();
  });

  // Deliberate difference: besides ranges (keyring >=, Mopidy-Dirble ~=) the peer follows `-r
  // other-requirements.txt` into pandas@2.2.3. An extractor here sees one file; the included file
  // is extracted on its own where it sits in the target.
  it('example.txt: docopt@0.6.1 only, not the 4 the peer counts with ranges and the -r include', () => {
    const result = extractFixture('example.txt');
    expect(ids(result)).toEqual(['docopt@0.6.1']);
    expect(result.warnings).toBeUndefined();
  });

  // Deliberate difference: the peer reports foo7 with the version "1.0unexpected_text_before_options_stays_around";
  // pip refuses that line, so it is a warning here (16 in EXPECTED.md, 15 here).
  it('per_req_options.txt: 15 packages, options dropped; foo7, foo10 and foo15 are warnings', () => {
    const result = extractFixture('per_req_options.txt');
    expect(result.packages).toHaveLength(15);
    expect(ids(result)).toEqual(expect.arrayContaining(['foo1@1.0', 'foo2@1.0', 'foo3@1.0', 'foo5@1.0', 'foo6@1.0', 'foo9@1.0', 'foo11@1.0', 'foo13@1.0', 'foo14@1.0', 'foo17--hash@1.0', 'foo18-Client@1.0']));
    expect(result.warnings).toEqual([
      'app/requirements.txt: line 13: foo7: unreadable version specifier "==1.0 unexpected_text_before_options_stays_around"; skipped',
      'app/requirements.txt: line 20: foo10: unreadable version specifier "=="; skipped',
      'app/requirements.txt: line 30: foo15: unreadable version specifier "=="; skipped',
    ]);
  });

  it('invalid.txt: no packages; each line that cannot be a requirement is a warning', () => {
    const result = extractFixture('invalid.txt');
    expect(result.packages).toEqual([]);
    expect(result.warnings).toEqual([
      'app/requirements.txt: line 1: asdf: unreadable version specifier "=="; skipped',
      'app/requirements.txt: line 2: not a requirement: "==1.0"; skipped',
      'app/requirements.txt: line 3: asdf: unreadable version specifier "1.0"; skipped',
    ]);
  });
});

describe('requirements-txt: lines', () => {
  it.each([
    ['pinned', 'Django==4.2.0', ['Django@4.2.0']],
    ['arbitrary equality', 'yolo===1.0+local', ['yolo@1.0+local']],
    ['spaces around the operator', 'requests == 2.31.0', ['requests@2.31.0']],
    ['extras', 'celery [redis, pytest] == 4.4.7', ['celery@4.4.7']],
    ['marker', 'foo==1.0; python_version < "3.8"', ['foo@1.0']],
    ['marker without a space', 'foo==1.0;python_version<"3.8"', ['foo@1.0']],
    ['options', 'foo==1.0 --hash=sha256:abc --hash=sha256:def', ['foo@1.0']],
    ['a range and a pin', 'foo>=1.0, ==1.5', ['foo@1.5']],
    ['parenthesised specifiers', 'foo (==1.0)', ['foo@1.0']],
    ['comment after whitespace', 'foo==1.0 # pinned for CVE-2020-1', ['foo@1.0']],
    ['a # glued to the version is not a comment', 'foo==1.0#x', []],
    ['range', 'foo>=1.0', []],
    ['compatible release', 'foo~=1.0', []],
    ['wildcard', 'foo==1.*', []],
    ['bare name', 'foo', []],
    ['URL requirement', 'foo @ https://example.invalid/foo-1.0.tar.gz', []],
    ['path', './wheels/foo-1.0-py3-none-any.whl', []],
    ['URL', 'https://example.invalid/foo-1.0.zip', []],
    ['editable', '-e git+https://example.invalid/foo.git#egg=foo', []],
    ['include', '-r base.txt', []],
    ['index option', '--index-url https://example.invalid/simple', []],
  ])('%s: %s', (_label, line, expected) => {
    expect(ids(extractText(`${line}\n`))).toEqual(expected);
  });

  it('backslash continuations join lines; a comment line ends one', () => {
    const text = 'alpha \\\n  ==1.0 \\\n  --hash=sha256:1\nbeta==2.0 \\\n# note\ngamma==3.0\n';
    expect(ids(extractText(text))).toEqual(['alpha@1.0', 'beta@2.0', 'gamma@3.0']);
  });

  it('CRLF line ends and a UTF-8 BOM', () => {
    expect(ids(extractText('\uFEFFa==1.0\r\nb==2.0\r\n'))).toEqual(['a@1.0', 'b@2.0']);
  });

  it('keeps the declared name; the same package twice (PEP 503 spelling aside) is one package', () => {
    expect(ids(extractText('Mopidy_Dirble==1.1\nmopidy-dirble==1.1\nmopidy-dirble==1.2\n'))).toEqual(['Mopidy_Dirble@1.1', 'mopidy-dirble@1.2']);
  });

  it('warnings are capped and quote long lines shortened', () => {
    const result = extractText(Array.from({ length: 30 }, (_, i) => `p${i} ${'x'.repeat(200)}`).join('\n'));
    expect(result.warnings).toHaveLength(21);
    expect(result.warnings?.[0]).toMatch(/^requirements\.txt: line 1: p0: unreadable version specifier "x{80}…"; skipped$/);
    expect(result.warnings?.at(-1)).toBe('requirements.txt: … and 10 more warnings');
  });

  it('binary data throws a StellaError naming the file', () => {
    expect(expectStellaError(() => requirementsExtractor.extract({ path: 'app/requirements.txt', contents: Uint8Array.from([0x61, 0x00, 0x62]) }))).toMatchObject({ code: 'JSON_INVALID', message: 'app/requirements.txt: binary data (NUL bytes), not a requirements file' });
  });
});

describe('requirements-txt: which files', () => {
  it.each([
    ['requirements.txt', true],
    ['RsaCtfTool/requirements.txt', true],
    ['RsaCtfTool/optional-requirements.txt', true],
    ['app/requirements-dev.txt', true],
    ['app/test_requirements.txt', true],
    ['app/Requirements.txt', true],
    ['app/requirements/base.txt', true],
    ['requirements/prod.txt', true],
    ['requirements-asdf/test.txt', false],
    ['yolo-txt/requirements.md', false],
    ['app/constraints.txt', false],
    ['app/requirements.txt.orig', false],
    ['usr/lib/python3/dist-packages/foo/requirements.txt', false],
    ['venv/lib/python3.12/site-packages/foo/requirements.txt', false],
    ['app/node_modules/x/requirements.txt', false],
  ])('%s → %s', (path, wanted) => {
    expect(isRequirementsFile(path)).toBe(wanted);
  });
});
