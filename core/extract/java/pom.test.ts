import { describe, expect, it } from 'vitest';
import { encode, expectFixtureCase, expectStellaRejection, fixtureExtract, ids, peerFixtures, rejectionOf, textExtract } from '../fixtures.test-helper.js';
import { isMavenPom, mavenPomExtractor } from './pom.js';

const extractFixture = fixtureExtract(mavenPomExtractor, peerFixtures('pom-xml'), 'app/pom.xml');
const extractXml = textExtract(mavenPomExtractor, 'pom.xml');

const deps = (...items: string[]): string => `<project><dependencies>${items.join('')}</dependencies></project>`;
const dep = (g: string, a: string, v?: string, extra = ''): string =>
  `<dependency><groupId>${g}</groupId><artifactId>${a}</artifactId>${v === undefined ? '' : `<version>${v}</version>`}${extra}</dependency>`;

describe('maven-pom: fixtures/EXPECTED.md (osv-scalibr)', () => {
  const cases: Array<[string, number, string[]]> = [
    ['empty.xml', 0, []],
    ['one-package.xml', 1, ['org.apache.maven:maven-artifact@1.0.0']],
    ['two-packages.xml', 2, ['io.netty:netty-all@4.1.42.Final', 'org.slf4j:slf4j-log4j12@1.7.25']],
    ['encoding.xml', 1, ['junit:junit@4.12']],
    ['with-dependency-management.xml', 2, ['io.netty:netty-all@4.1.9', 'org.slf4j:slf4j-log4j12@1.7.25']],
    ['interpolation.xml', 3, ['org.mine:mypackage@1.0.0', 'org.mine:my.package@2.3.4', 'org.mine:ranged-package@9.4.35.v20201120']],
    ['with-scope.xml', 2, ['abc:xyz@1.2.3', 'junit:junit@4.12']],
    ['with-type-classifier.xml', 1, ['abc:xyz@1.0.0']],
    ['transitive.xml', 3, ['org.direct:alice@1.0.0', 'org.direct:bob@2.0.0', 'org.direct:chris@3.0.0']],
    ['profiles.xml', 1, ['org.profile:profile-dep@1.2.3']],
    ['ambiguous-interpolation.xml', 1, ['com.example:common-lib@1.0.0']],
    ['plugin-dependency.xml', 1, ['com.example:hijack-lib@1.0.0']],
    ['explicit-jar.xml', 2, ['com.example:my-lib@1.0.0', 'org.different:my-lib@1.0.0']],
    ['with-multiple-classifiers.xml', 1, ['com.example:my-lib@1.0.0']],
    ['multi-version.xml', 1, ['abc:example.com@1.0.0']],
  ];

  it.each(cases)('%s: %i packages', async (fixture, count, expected) => {
    expectFixtureCase(await extractFixture(fixture), count, expected, { type: 'maven', evidence: 'lockfile', sourceFile: 'app/pom.xml' });
  });

  it('interpolate-drop.xml: 1 package; the dependency without a groupId is a warning (the peer drops it silently)', async () => {
    const result = await extractFixture('interpolate-drop.xml');
    expect(ids(result)).toEqual(['com.example:actual-artifact@1.0.0']);
    expect(result.warnings).toEqual(['app/pom.xml: dependency ?:drop-me: no groupId or artifactId; skipped']);
  });

  it('with-parent.xml: 3 of the peer\'s 4 (deliberate difference: the parent pom is another file)', async () => {
    // The peer reads ./parent/pom.xml (<relativePath>) and a mock registry for the grandparent, which
    // adds org.dave:dave@4.0.0 from the parent. An extractor here sees one file, so the parent's
    // dependencies are not reported, and org.frank:frank — whose version only a parent could
    // manage — is a warning instead of a package with no version.
    const result = await extractFixture('with-parent.xml');
    expect(ids(result)).toEqual(['org.alice:alice@1.0.0', 'org.bob:bob@2.0.0', 'org.chuck:chuck@3.0.0']);
    expect(result.warnings).toEqual(['app/pom.xml: dependency org.frank:frank: version not in this file (managed by the parent org.local:parent-pom:1.0 or a BOM?); skipped']);
  });

  it.each(['not-pom.txt', 'invalid-syntax.xml'])('%s: throws a one-line StellaError naming the file', async (fixture) => {
    const error = await expectStellaRejection(extractFixture(fixture));
    expect(error.message).toMatch(/^app\/pom\.xml: not well-formed XML \(line \d+: /);
    expect(error.message).not.toContain('\n');
  });

  it('with-scope.xml: test scope is dev', async () => {
    const result = await extractFixture('with-scope.xml');
    expect(result.packages.find((p) => p.name === 'junit:junit')?.dev).toBe(true);
    expect(result.packages.find((p) => p.name === 'abc:xyz')?.dev).toBeUndefined();
  });
});

describe('maven-pom: resolution within the file', () => {
  it('project.* and project.parent.* properties, with the parent filling in what the project omits', async () => {
    const result = await extractXml(
      `<project><parent><groupId>org.acme</groupId><artifactId>parent</artifactId><version>7.1</version></parent>
       <artifactId>me</artifactId>
       <dependencies>
         ${dep('${project.groupId}', 'sibling', '${project.version}')}
         ${dep('org.acme', 'other', '${project.parent.version}')}
         ${dep('org.acme', 'old-style', '${pom.version}')}
       </dependencies></project>`,
    );
    expect(ids(result)).toEqual(['org.acme:sibling@7.1', 'org.acme:other@7.1', 'org.acme:old-style@7.1']);
  });

  it('properties refer to properties; cycles and undefined ones are warnings naming the property', async () => {
    const result = await extractXml(
      `<project><properties><a>\${b}</a><b>1.\${c}</b><c>2</c><loop>\${loop}</loop></properties><dependencies>
         ${dep('g', 'chained', '${a}')}
         ${dep('g', 'cycle', '${loop}')}
         ${dep('g', 'env', '${env.VERSION}')}
       </dependencies></project>`,
    );
    expect(ids(result)).toEqual(['g:chained@1.2']);
    expect(result.warnings).toEqual([
      'pom.xml: dependency g:cycle: version ${loop}: property ${loop} refers to itself; skipped',
      'pom.xml: dependency g:env: version ${env.VERSION}: property ${env.VERSION} is not defined in this file; skipped',
    ]);
  });

  it('dependencyManagement versions, interpolated, fill in missing versions only', async () => {
    const result = await extractXml(
      `<project><properties><v>3.0</v></properties>
       <dependencyManagement><dependencies>${dep('g', 'managed', '${v}')}${dep('g', 'pinned', '9.9')}${dep('g', 'bom', '1.0', '<type>pom</type><scope>import</scope>')}</dependencies></dependencyManagement>
       <dependencies>${dep('g', 'managed')}${dep('g', 'pinned', '1.0')}${dep('g', 'orphan')}</dependencies></project>`,
    );
    expect(ids(result)).toEqual(['g:managed@3.0', 'g:pinned@1.0']);
    expect(result.warnings).toEqual(['pom.xml: dependency g:orphan: version neither declared nor managed in this file; skipped']);
  });

  it('version ranges keep their lower bound; one with none is a warning', async () => {
    const result = await extractXml(deps(dep('g', 'exact', '[1.2.3]'), dep('g', 'range', '(1.0,2.0)'), dep('g', 'open', '(,1.0]')));
    expect(ids(result)).toEqual(['g:exact@1.2.3', 'g:range@1.0']);
    expect(result.warnings).toEqual(['pom.xml: dependency g:open: version "(,1.0]" names no version; skipped']);
  });

  it('only profiles active by default count, with their properties', async () => {
    const result = await extractXml(
      `<project><profiles>
         <profile><activation><activeByDefault>true</activeByDefault></activation><properties><pv>5</pv></properties>
           <dependencies>${dep('g', 'on', '${pv}')}</dependencies></profile>
         <profile><activation><jdk>1.8</jdk></activation><dependencies>${dep('g', 'off', '1')}</dependencies></profile>
       </profiles></project>`,
    );
    expect(ids(result)).toEqual(['g:on@5']);
  });

  it('optional dependencies are optional; namespaces and CDATA are read', async () => {
    const result = await extractXml(
      `<?xml version="1.0" encoding="UTF-8"?><p:project xmlns:p="http://maven.apache.org/POM/4.0.0"><p:dependencies>
         <p:dependency><p:groupId>g</p:groupId><p:artifactId><![CDATA[cdata]]></p:artifactId><p:version> 1.0 </p:version><p:optional>true</p:optional></p:dependency>
       </p:dependencies></p:project>`,
    );
    expect(result.packages).toEqual([{ type: 'maven', name: 'g:cdata', version: '1.0', sourceFile: 'pom.xml', evidence: 'lockfile', optional: true }]);
  });

  it('decodes by the declared encoding and by a UTF-16 BOM', async () => {
    const latin1 = Uint8Array.from([...encode('<?xml version="1.0" encoding="ISO-8859-1"?><project><dependencies>'), ...encode(dep('g', 'caf'), ), ...encode('</dependencies></project>')]);
    expect(await rejectionOf(mavenPomExtractor.extract({ path: 'pom.xml', contents: latin1 }))).toBeUndefined();
    const text = deps(dep('g', 'wide', '1.0'));
    const utf16 = new Uint8Array(2 + text.length * 2);
    utf16.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) utf16[2 + i * 2] = text.charCodeAt(i);
    expect(ids(await mavenPomExtractor.extract({ path: 'pom.xml', contents: utf16 }))).toEqual(['g:wide@1.0']);
    const eAcute = Uint8Array.from([...encode('<?xml version="1.0" encoding="ISO-8859-1"?>'), ...encode(deps(dep('g', 'caf', '1.0')).replace('caf', 'caf\u0000'))]);
    eAcute[eAcute.indexOf(0)] = 0xe9; // é in Latin-1
    expect(ids(await mavenPomExtractor.extract({ path: 'pom.xml', contents: eAcute }))).toEqual(['g:café@1.0']);
  });

  it('entity expansion is bounded (billion laughs): nested DOCTYPE entities are not expanded', async () => {
    const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>${deps(dep('g', 'a', '&lol3;'))}`;
    const [pkg] = (await mavenPomExtractor.extract({ path: 'pom.xml', contents: encode(lol) })).packages;
    expect(pkg?.version.length).toBeLessThan(100);
  });

  it('named and numeric character references are decoded', async () => {
    expect(ids(await extractXml(deps(dep('a&amp;b', 'x&#x2D;y', '1&#46;0'))))).toEqual(['a&b:x-y@1.0']);
  });

  it('a root that is not <project> is an error; <project/> is no packages', async () => {
    expect(await rejectionOf(extractXml('<settings/>'))).toMatchObject({ message: 'pom.xml: not a Maven pom (no <project> root element)' });
    expect(await extractXml('<project/>')).toEqual({ packages: [] });
    expect(await extractXml('<project></project>')).toEqual({ packages: [] });
  });
});

describe('maven-pom: which files', () => {
  it.each([
    ['pom.xml', true],
    ['services/api/pom.xml', true],
    ['services/api/my-pom.xml', false],
    ['services/api/pom.xml.bak', false],
    ['services/api/build.gradle', false],
  ])('%s → %s', (path, wanted) => {
    expect(isMavenPom(path)).toBe(wanted);
  });
});
