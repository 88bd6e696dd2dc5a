/**
 * What every VEX format is read into: normalised statements. The bottom of
 * core/vex/: parsers build these, `apply.ts` reads them, nothing here
 * imports either.
 *
 * @example
 *   const s: VexStatement = {
 *     vulnerability: { id: 'CVE-2022-24999', aliases: ['GHSA-hrpp-h998-j3pp'] },
 *     products: [{ $case: 'purl', purl: parsePurl('pkg:npm/qs@6.5.2'), raw: 'pkg:npm/qs@6.5.2' }],
 *     status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path',
 *     timestamp: '2024-01-02T03:04:05.000000000Z', source: 'vex/app.openvex.json#0',
 *   };
 */
import type { VexJustification, VexStatus } from '../model/vex.js';
import type { Purl } from '../purl/parse.js';

/**
 * Who a statement is about. A tagged union: every reader `switch`es over it.
 *
 * - `purl`: a package, matched by the purl rule (`product.ts`): type,
 *   namespace and name equal; version and each qualifier only if given.
 * - `image`: a whole target by digest (`sha256:…`), from `pkg:oci/…@sha256:…`,
 *   a bare digest or a `name@sha256:…` reference.
 * - `within`: components inside a product (OpenVEX subcomponents, a CSAF
 *   relationship): the product must be the target (or one of its
 *   components) and the component must be the finding's package.
 * - `other`: an identifier we cannot resolve to a package or a digest (a
 *   CPE, a bare name, a BOM-Link into another BOM); it never matches.
 */
export type ProductMatcher =
  | { $case: 'purl'; purl: Purl; raw: string }
  | { $case: 'image'; digest: string }
  | { $case: 'within'; product: ProductMatcher[]; components: ProductMatcher[] }
  | { $case: 'other'; id: string };

/** One normalised VEX statement: a status of one vulnerability (and its aliases) in some products. */
export interface VexStatement {
  vulnerability: { id: string; aliases: string[] };
  products: ProductMatcher[];
  status: VexStatus;
  justification?: VexJustification;
  impactStatement?: string;
  actionStatement?: string;
  /**
   * When the statement was made, as UTC with nine fraction digits
   * (`timestamp.ts`), so strings sort in time order; undefined only where
   * the format allows no time (CycloneDX), and then it ranks oldest.
   */
  timestamp?: string;
  /** The document's name and the statement within it: `vex/app.openvex.json#2`. */
  source: string;
}

/** One document read by a VEX format. */
export interface VexDocument {
  /** The format's registry name: `openvex`, `cyclonedx-vex`, `csaf-vex`. */
  format: string;
  /** The version the document declares (`0.2.0`, `1.6`, `2.0`). */
  version: string;
  /** The name the document was read under (a repository path or a file name). */
  name: string;
  statements: VexStatement[];
  /** Parts skipped without making the document unusable (a CycloneDX vulnerability with no analysis). */
  warnings: string[];
}
