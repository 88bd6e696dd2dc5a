/**
 * Every VEX-shaped example in the shared data (see its PROVENANCE.md:
 * openvex/, cyclonedx/, csaf/) is either read, with the number of
 * statements it holds, or refused with a one-line reason naming the file.
 * Table-driven: `accepted` lists every document that must be read; every
 * other file must be refused for the reason its rule says.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/helpers/paths.js';
import { isStellaError } from '../errors.js';
import { defaultVexFormats } from './registry.js';

const formats = join(sharedData, 'formats');

/** Documents that must be read, with their statement counts. */
const accepted = new Map<string, number>([
  ['openvex/vexctl/examples/csaf/openvex.json', 1],
  ['openvex/vexctl/examples/openvex/demo.vex.json', 1],
  ['openvex/vexctl/examples/openvex/document1.vex.json', 1],
  ['openvex/vexctl/examples/openvex/document2.vex.json', 1],
  ['openvex/vexctl/examples/sarif/sample-1statement.openvex.json', 1],
  ['openvex/vexctl/examples/sarif/sample-2vulns.openvex.json', 2],
  ['openvex/vexctl/examples/sarif/sample-history.openvex.json', 2],
  ['openvex/vexctl/pkg/ctl/testdata/images.vex.json', 4],
  ['openvex/vexctl/pkg/ctl/testdata/sarif/sample-2vulns.json', 2],
  ['openvex/vexctl/pkg/ctl/testdata/sarif/sample-history.json', 2],
  ['openvex/vexctl/pkg/ctl/testdata/sarif/sample.openvex.json', 1],
  ['openvex/vexctl/pkg/ctl/testdata/templates/oci-vexctl.openvex.json', 1],
  ['openvex/vexctl/pkg/ctl/testdata/v001-1.vex.json', 1],
  ['openvex/vexctl/pkg/ctl/testdata/v001-2.vex.json', 1],
  ['openvex/vexctl/pkg/ctl/testdata/v020-1.vex.json', 1],
  ['openvex/vexctl/pkg/ctl/testdata/v020-2.vex.json', 1],
  ['cyclonedx/bom-examples/VEX/CISA-Use-Cases/Case-1/vex-affected.json', 1],
  ['cyclonedx/bom-examples/VEX/CISA-Use-Cases/Case-1/vex-fixed.json', 1],
  ['cyclonedx/bom-examples/VEX/CISA-Use-Cases/Case-1/vex-not_affected.json', 1],
  ['cyclonedx/bom-examples/VEX/CISA-Use-Cases/Case-1/vex-under_investigation.json', 1],
  ['cyclonedx/bom-examples/VEX/CISA-Use-Cases/Case-2/vex.json', 19],
  ['cyclonedx/bom-examples/VEX/CISA-Use-Cases/Case-3/vex.json', 19],
  ['cyclonedx/bom-examples/VEX/CISA-Use-Cases/Case-4/vex.json', 1],
  ['cyclonedx/bom-examples/VEX/CISA-Use-Cases/Case-5/vex.json', 1],
  ['cyclonedx/bom-examples/VEX/CISA-Use-Cases/Case-6/vex.json', 2],
  ['cyclonedx/bom-examples/VEX/CISA-Use-Cases/Case-7/vex.json', 4],
  ['cyclonedx/bom-examples/VEX/CISA-Use-Cases/Case-8/vex.json', 8],
  ['cyclonedx/bom-examples/VEX/Use-Cases/Case-1/vex.json', 1],
  ['cyclonedx/bom-examples/VEX/Use-Cases/Case-10/vex.json', 1],
  ['cyclonedx/bom-examples/VEX/Use-Cases/Case-11/vex.json', 19],
  ['cyclonedx/bom-examples/VEX/Use-Cases/Case-12/vex.json', 3],
  ['cyclonedx/bom-examples/VEX/Use-Cases/Case-13/vex.json', 2],
  ['cyclonedx/bom-examples/VEX/Use-Cases/Case-2/vex.json', 1],
  ['cyclonedx/bom-examples/VEX/Use-Cases/Case-3/vex.json', 1],
  ['cyclonedx/bom-examples/VEX/Use-Cases/Case-4/vex.json', 1],
  ['cyclonedx/bom-examples/VEX/Use-Cases/Case-5/vex.json', 2],
  ['cyclonedx/bom-examples/VEX/Use-Cases/Case-6/vex.json', 1],
  ['cyclonedx/bom-examples/VEX/Use-Cases/Case-8/vex.json', 1],
  ['cyclonedx/bom-examples/VEX/Use-Cases/Case-9/vex.json', 19],
  ['cyclonedx/bom-examples/VEX/vex.json', 1],
  ['cyclonedx/spec-tests/1.5/valid-vulnerability-1.5.json', 1],
  ['cyclonedx/spec-tests/1.6/valid-vulnerability-1.6.json', 1],
  ['csaf/oasis/csaf_2.0/examples/csaf/csaf_vex/2022-evd-uc-01-a-001.json', 1],
  ['csaf/oasis/csaf_2.0/examples/csaf/csaf_vex/2022-evd-uc-01-f-001.json', 1],
  ['csaf/oasis/csaf_2.0/examples/csaf/csaf_vex/2022-evd-uc-01-na-001.json', 1],
  ['csaf/oasis/csaf_2.0/examples/csaf/csaf_vex/2022-evd-uc-01-ui-001.json', 1],
  ['csaf/oasis/csaf_2.0/examples/csaf/csaf_vex/2022-evd-uc-02-na-001.json', 19],
  ['csaf/oasis/csaf_2.0/examples/csaf/csaf_vex/2022-evd-uc-03-ms-001.json', 19],
  ['csaf/oasis/csaf_2.0/examples/csaf/csaf_vex/2022-evd-uc-04-001.json', 3],
  ['csaf/oasis/csaf_2.0/examples/csaf/csaf_vex/2022-evd-uc-05-001.json', 1],
  ['csaf/oasis/csaf_2.0/examples/csaf/csaf_vex/2022-evd-uc-06-001.json', 7],
  ['csaf/oasis/csaf_2.0/examples/csaf/csaf_vex/2022-evd-uc-07-001.json', 10],
  ['csaf/oasis/csaf_2.0/examples/csaf/csaf_vex/2022-evd-uc-08-001.json', 21],
  ['csaf/oasis/csaf_2.0/examples/csaf/csaf_vex/2022-evd-uc-09-001.json', 4],
  ['csaf/oasis/csaf_2.0/examples/csaf/csaf_vex/sec-vex-2022-0001.json', 3],
  ['csaf/vexctl/examples/csaf/csaf.json', 1],
]);

/** Why every other file is refused: the first rule whose path pattern matches applies. */
const refused: Array<[RegExp, RegExp]> = [
  [/^openvex\/vexctl\/pkg\/ctl\/testdata\/test\.vex\.json$/, /statement 0 \(CVE-2009-4487\): names no product$/],
  [/^(openvex|cyclonedx)\/schema\//, /unknown format/],
  [/^cyclonedx\/spec-tests\/1\.[56]\/invalid-bomformat-/, /unknown format/],
  [/^cyclonedx\/bom-examples\/VEX\/Use-Cases\/Case-7\/vex\.json$/, /vulnerabilities\[0\] \(CVE-2020-25649\): affects names no component$/],
  [/^cyclonedx\/spec-tests\/1\.[56]\/valid-compositions-/, /no vulnerability carries an analysis\.state/],
  // The BOMs a VEX refers to, SBOMs, CBOMs, HBOMs…: CycloneDX, but no statements in them.
  [/^cyclonedx\//, /holds no vulnerabilities|specVersion "1\.[0-3]" is not supported for VEX/],
  [/^csaf\/oasis\/csaf_2\.1\//, /CSAF version "2\.1" is not supported/],
  [/^csaf\/oasis\/csaf_2\.0\/examples\/csaf\/[^/]+\.json$/, /document\.category "[^"]+" is not csaf_vex/],
];

function walk(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    })
    .sort();
}

const files = ['openvex', 'cyclonedx', 'csaf'].flatMap((folder) => walk(join(formats, folder))).map((path) => relative(formats, path));

describe('VEX examples in the shared data', () => {
  it('finds them all, and every accepted one exists', () => {
    expect(files.length).toBeGreaterThan(250);
    for (const name of accepted.keys()) expect(files, name).toContain(name);
  });

  it.each(files)('%s', (name) => {
    const source = { name, bytes: readFileSync(join(formats, name)) };
    const count = accepted.get(name);
    if (count !== undefined) {
      const document = defaultVexFormats.read(source);
      expect(document.statements).toHaveLength(count);
      expect(document.warnings).toEqual([]);
      for (const statement of document.statements) {
        expect(statement.source.startsWith(`${name}#`)).toBe(true);
        expect(statement.vulnerability.id).not.toBe('');
        expect(statement.products.length).toBeGreaterThan(0);
      }
      // Deterministic: the same bytes read twice give equal statements.
      expect(defaultVexFormats.read(source)).toEqual(document);
      return;
    }
    const rule = refused.find(([path]) => path.test(name));
    expect(rule, `no rule says why ${name} is refused`).toBeDefined();
    let error: unknown;
    try {
      defaultVexFormats.read(source);
    } catch (caught) {
      error = caught;
    }
    expect(isStellaError(error), String(error)).toBe(true);
    const message = (error as Error).message;
    expect(message.startsWith(`${name}: `)).toBe(true);
    expect(message).not.toContain('\n');
    expect(message).toMatch((rule as [RegExp, RegExp])[1]);
  });
});
