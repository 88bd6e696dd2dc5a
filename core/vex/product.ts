/**
 * Product identifiers to matchers, and the one matching rule for every
 * format.
 *
 * The purl rule (OpenVEX's, which CycloneDX and CSAF leave unspecified and
 * we apply to them too): type, namespace and name must be equal; a version
 * in the statement must equal the package's, none matches every version;
 * each qualifier in the statement must be present with the same value,
 * qualifiers it leaves out match anything (`pkg:deb/debian/openssl` covers
 * every arch and distro; `?arch=amd64` only amd64); a subpath likewise.
 *
 * @example
 *   purlMatches(parsePurl('pkg:deb/debian/bash?arch=amd64'), parsePurl('pkg:deb/debian/bash@5.2.15-2?arch=amd64&distro=debian-12')); // true
 */
import { StellaError } from '../errors.js';
import { parsePurl, type Purl } from '../purl/parse.js';
import type { ProductMatcher } from './statement.js';

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const REFERENCE_DIGEST = /@(sha256:[0-9a-f]{64})$/;

/**
 * The matcher for one product identifier as a VEX document writes it: a
 * purl, an image digest (bare, in a `pkg:oci` purl's version, or at the end
 * of an image reference), or anything else (never matches).
 *
 * @example productFromId('pkg:oci/nginx@sha256%3Aabc…'); // { $case: 'image', digest: 'sha256:abc…' }
 */
export function productFromId(id: string): ProductMatcher {
  const trimmed = id.trim();
  if (DIGEST.test(trimmed.toLowerCase())) return { $case: 'image', digest: trimmed.toLowerCase() };
  if (trimmed.startsWith('pkg:')) {
    let purl: Purl;
    try {
      purl = parsePurl(trimmed);
    } catch {
      return { $case: 'other', id: trimmed };
    }
    if (purl.type === 'oci' && purl.version !== undefined && DIGEST.test(purl.version.toLowerCase())) return { $case: 'image', digest: purl.version.toLowerCase() };
    return { $case: 'purl', purl, raw: trimmed };
  }
  const reference = REFERENCE_DIGEST.exec(trimmed.toLowerCase());
  if (reference?.[1] !== undefined) return { $case: 'image', digest: reference[1] };
  return { $case: 'other', id: trimmed };
}

/**
 * True when `pattern` (from a statement) covers `candidate` (a package).
 * @example purlMatches(parsePurl('pkg:npm/qs'), parsePurl('pkg:npm/qs@6.5.2')); // true
 */
export function purlMatches(pattern: Purl, candidate: Purl): boolean {
  if (pattern.type !== candidate.type || pattern.name !== candidate.name || (pattern.namespace ?? '') !== (candidate.namespace ?? '')) return false;
  if (pattern.version !== undefined && pattern.version !== candidate.version) return false;
  if (pattern.subpath !== undefined && pattern.subpath !== candidate.subpath) return false;
  return Object.entries(pattern.qualifiers).every(([key, value]) => candidate.qualifiers[key] === value);
}

/** What a matcher is compared with: the finding's package, and the target it was found in. */
export interface MatchSubject {
  /** The finding's package (undefined when its purl does not parse: then only image statements apply). */
  purl: Purl | undefined;
  /** The target's digest (`sha256:…`). */
  targetDigest: string;
  /** Every component of the target, for products named by purl (a `within` product). */
  components: readonly Purl[];
}

/**
 * How specifically `matcher` names the subject's package, or 0 when it does
 * not match: 1 a whole image, 2 a purl without version, 3 with a version,
 * 4 with a version and qualifiers. A `within` match counts its component.
 * The conflict rule uses this to break ties between equally recent statements.
 *
 * @example matchStrength({ $case: 'image', digest }, { purl, targetDigest: digest, components: [] }); // 1
 */
export function matchStrength(matcher: ProductMatcher, subject: MatchSubject): number {
  switch (matcher.$case) {
    case 'image':
      return matcher.digest === subject.targetDigest ? 1 : 0;
    case 'purl':
      if (subject.purl === undefined || !purlMatches(matcher.purl, subject.purl)) return 0;
      if (matcher.purl.version === undefined) return 2;
      return Object.keys(matcher.purl.qualifiers).length > 0 ? 4 : 3;
    case 'within': {
      if (!matcher.product.some((product) => isTarget(product, subject))) return 0;
      return Math.max(0, ...matcher.components.map((component) => matchStrength(component, subject)));
    }
    case 'other':
      return 0;
    default:
      return unreachable(matcher);
  }
}

/** True when a product names the target itself or one of its components. */
function isTarget(product: ProductMatcher, subject: MatchSubject): boolean {
  switch (product.$case) {
    case 'image':
      return product.digest === subject.targetDigest;
    case 'purl':
      return subject.components.some((component) => purlMatches(product.purl, component));
    case 'within':
      return product.product.some((inner) => isTarget(inner, subject)) && product.components.some((inner) => isTarget(inner, subject));
    case 'other':
      return false;
    default:
      return unreachable(product);
  }
}

function unreachable(value: never): never {
  throw new StellaError('INTERNAL', `unknown product matcher ${JSON.stringify(value)}`);
}
