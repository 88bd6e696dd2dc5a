import { describe, expect, it } from 'vitest';
import { encode, expectFixtureCase, expectStellaError, fixtureExtract, ids, peerFixtures } from '../fixtures.test-helper.js';
import { gradleLockfileExtractor, isGradleLockfile } from './gradle-lockfile.js';

const extractFixture = fixtureExtract(gradleLockfileExtractor, peerFixtures('gradle-lockfile'), 'app/gradle.lockfile');

describe('gradle-lockfile: fixtures/EXPECTED.md (osv-scalibr)', () => {
  const cases: Array<[string, number, string[]]> = [
    ['only-comments', 0, []],
    ['only-empty', 0, []],
    ['one-pkg', 1, ['org.springframework.security:spring-security-crypto@5.7.3']],
    [
      '5-pkg',
      5,
      [
        'org.springframework.boot:spring-boot-autoconfigure@2.7.4',
        'org.springframework.boot:spring-boot-configuration-processor@2.7.5',
        'org.springframework.boot:spring-boot-devtools@2.7.6',
      ],
    ],
  ];

  it.each(cases)('%s: %i packages', (fixture, count, expected) => {
    expectFixtureCase(extractFixture(fixture), count, expected, { type: 'maven', evidence: 'lockfile', sourceFile: 'app/gradle.lockfile' }, 'only');
  });

  it('with-bad-pkg: 2 packages; the bad lines are warnings (the peer skips them silently)', () => {
    const result = extractFixture('with-bad-pkg');
    expect(ids(result)).toEqual(['org.springframework.boot:spring-boot-autoconfigure@2.7.4', 'org.springframework.boot:spring-boot-configuration-processor@2.7.5']);
    expect(result.warnings).toEqual([
      'app/gradle.lockfile: line 3: ">>>" is not group:artifact:version; skipped',
      'app/gradle.lockfile: line 4: "////" is not group:artifact:version; skipped',
      'app/gradle.lockfile: line 9: "a" is not group:artifact:version; skipped',
      'app/gradle.lockfile: line 10: "b" is not group:artifact:version; skipped',
    ]);
  });
});

describe('gradle-lockfile: format', () => {
  it('reads the older per-configuration files without "=…", once per coordinate', () => {
    const result = gradleLockfileExtractor.extract({
      path: 'app/gradle/dependency-locks/compileClasspath.lockfile',
      contents: encode('# comment\r\ncom.google.guava:guava:31.1-jre\r\ncom.google.guava:guava:31.1-jre\r\norg.slf4j:slf4j-api:2.0.7\r\n'),
    });
    expect(ids(result)).toEqual(['com.google.guava:guava@31.1-jre', 'org.slf4j:slf4j-api@2.0.7']);
  });

  it('a file with no line of the format is an error naming the file; an empty one has no packages', () => {
    expect(gradleLockfileExtractor.extract({ path: 'gradle.lockfile', contents: encode('\n\n') })).toEqual({ packages: [] });
    expect(expectStellaError(() => gradleLockfileExtractor.extract({ path: 'gradle.lockfile', contents: encode('<html>\n</html>\n') })).message).toMatch(/^gradle\.lockfile: not a Gradle lockfile/);
  });
});

describe('gradle-lockfile: which files', () => {
  it.each([
    ['gradle.lockfile', true],
    ['app/gradle.lockfile', true],
    ['app/buildscript-gradle.lockfile', true],
    ['app/gradle/dependency-locks/runtimeClasspath.lockfile', true],
    ['app/dependency-locks/runtimeClasspath.lockfile', false],
    ['app/build.gradle', false],
    ['app/gradle.lockfile.orig', false],
  ])('%s → %s', (path, wanted) => {
    expect(isGradleLockfile(path)).toBe(wanted);
  });
});
