/**
 * Parsing untrusted purls and printing them in one canonical form, so the
 * same package always gives the same bytes.
 *
 * packageurl-js does the component parsing and per-type normalisation
 * (lowercased npm and deb names, PyPI name folding, Maven's required
 * namespace). We add the checks a scanner reading hostile SBOMs needs
 * (length, control characters, lone surrogates, ambiguous `@`, repeated
 * qualifier keys, type syntax) and our own serialiser, because
 * packageurl-js leaves `:` and `+` unencoded in versions while Syft and
 * Grype emit `%3A` and `%2B` (see `formatPurl`).
 */
import { PackageURL } from 'packageurl-js';
import { StellaError } from '../errors.js';

/** A parsed purl. `qualifiers` is always present (possibly empty); keys are lowercase. */
export interface Purl {
  readonly type: string;
  readonly namespace?: string;
  readonly name: string;
  readonly version?: string;
  readonly qualifiers: Readonly<Record<string, string>>;
  readonly subpath?: string;
}

/** Longest purl we parse. Real ones are well under 1 KiB; the cap stops hostile 100k-character purls early. */
export const MAX_PURL_LENGTH = 4096;

// C0, DEL and C1 controls: never part of a real package identity, and a raw
// newline is a log-injection vector (WHATWG URL parsing would silently drop it).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// With the `u` flag a proper surrogate pair is one code point, so only lone halves match.
const LONE_SURROGATE = /\p{Cs}/u;
const TYPE_SYNTAX = /^[a-z][a-z0-9.+-]*$/;
const ENCODED_CONTROL = /%(?:[01][0-9a-f]|7f)/i;

/**
 * A short, escaped, single-line rendering of untrusted text for messages.
 * @example quoteForMessage('a\nb') // '"a\\nb"'
 */
export function quoteForMessage(text: string, max = 80): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  // JSON.stringify escapes control characters and (Node ≥ 12) lone surrogates.
  return JSON.stringify(cut);
}

function invalid(purl: string, reason: string): never {
  throw new StellaError('SBOM_INVALID', `invalid purl ${quoteForMessage(purl)}: ${reason}`);
}

/** Checks on the raw string that packageurl-js does not make. */
function checkRaw(purl: string): void {
  if (purl.length > MAX_PURL_LENGTH) invalid(purl, `${purl.length} characters long (limit ${MAX_PURL_LENGTH})`);
  if (CONTROL.test(purl)) invalid(purl, 'contains a control character');
  if (LONE_SURROGATE.test(purl)) invalid(purl, 'contains a lone UTF-16 surrogate');
  if (ENCODED_CONTROL.test(purl)) invalid(purl, 'contains a percent-encoded control character');
  const hash = purl.indexOf('#');
  const beforeHash = hash === -1 ? purl : purl.slice(0, hash);
  const question = beforeHash.indexOf('?');
  const path = question === -1 ? beforeHash : beforeHash.slice(0, question);
  // `@` separates the version; a literal `@` elsewhere must be %40. We tolerate
  // the common unencoded npm scope (`pkg:npm/@babel/core@7`), nothing more:
  // two separators make name and version ambiguous (`pkg:npm/@scope@@1`).
  const afterType = path.replace(/^[^:]*:\/*[^/]*\/+/, '').replace(/^@/, '');
  if ((afterType.match(/@/g) ?? []).length > 1) invalid(purl, 'more than one unencoded "@"');
  if (question !== -1) {
    const seen = new Set<string>();
    for (const pair of beforeHash.slice(question + 1).split('&')) {
      if (pair === '') continue;
      const key = pair.split('=', 1)[0]!.toLowerCase();
      if (seen.has(key)) invalid(purl, `qualifier ${quoteForMessage(key, 40)} appears twice`);
      seen.add(key);
    }
  }
}

/**
 * Parses and normalises a purl, refusing anything ambiguous or unsafe.
 * Throws StellaError SBOM_INVALID with a one-line reason.
 *
 * @example
 *   parsePurl('pkg:npm/%40babel/core@7.24.0')
 *   // { type: 'npm', namespace: '@babel', name: 'core', version: '7.24.0', qualifiers: {} }
 */
export function parsePurl(purl: string): Purl {
  if (typeof purl !== 'string') throw new StellaError('SBOM_INVALID', `invalid purl: expected a string, got ${typeof purl}`);
  checkRaw(purl);
  let parsed: PackageURL;
  try {
    parsed = PackageURL.fromString(purl);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.replace(/^Invalid purl:\s*/, '') : String(cause);
    throw new StellaError('SBOM_INVALID', `invalid purl ${quoteForMessage(purl)}: ${reason.split('\n')[0]}`, { cause });
  }
  if (!TYPE_SYNTAX.test(parsed.type)) invalid(purl, `type ${quoteForMessage(parsed.type, 40)} is not a letter followed by letters, digits, ".", "+" or "-"`);
  const qualifiers = Object.fromEntries(Object.entries(parsed.qualifiers ?? {}).filter(([, v]) => v !== ''));
  const decoded = [parsed.namespace, parsed.name, parsed.version, parsed.subpath, ...Object.keys(qualifiers), ...Object.values(qualifiers)];
  for (const part of decoded) {
    if (part !== undefined && (CONTROL.test(part) || LONE_SURROGATE.test(part))) invalid(purl, 'a decoded component contains a control character or lone surrogate');
  }
  return Object.freeze({
    type: parsed.type,
    ...(parsed.namespace ? { namespace: parsed.namespace } : {}),
    name: parsed.name,
    ...(parsed.version ? { version: parsed.version } : {}),
    qualifiers: Object.freeze(qualifiers),
    ...(parsed.subpath ? { subpath: parsed.subpath } : {}),
  });
}

/**
 * Percent-encodes everything outside the purl spec's unreserved set
 * (`A-Z a-z 0-9 . - _ ~`). That includes `:` (`1:2.36` → `1%3A2.36`) and
 * `+` (`%2B`), as Syft and Grype emit them; the current purl spec text
 * allows `:` unencoded, and parsers (ours included) accept both.
 */
function encode(text: string): string {
  if (LONE_SURROGATE.test(text)) throw new StellaError('SBOM_INVALID', `cannot encode ${quoteForMessage(text)} in a purl: lone UTF-16 surrogate`);
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The canonical string of a parsed purl: lowercase type, each namespace and
 * subpath segment encoded, qualifiers sorted by key with empty values dropped.
 *
 * @example formatPurl(parsePurl('pkg:deb/debian/bash@5.2.15-2+b2?distro=debian-12&arch=amd64'))
 *   // 'pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12'
 */
export function formatPurl(purl: Purl): string {
  let out = `pkg:${purl.type}/`;
  if (purl.namespace) out += `${purl.namespace.split('/').map(encode).join('/')}/`;
  out += encode(purl.name);
  if (purl.version) out += `@${encode(purl.version)}`;
  const keys = Object.keys(purl.qualifiers).filter((k) => purl.qualifiers[k] !== '').sort();
  if (keys.length > 0) out += `?${keys.map((k) => `${k}=${encode(purl.qualifiers[k]!)}`).join('&')}`;
  if (purl.subpath) out += `#${purl.subpath.split('/').map(encode).join('/')}`;
  return out;
}

/**
 * Parses then re-serialises, so equal packages compare equal as strings.
 * @example canonicalPurl('pkg:npm/@babel/core@7.0.0') // 'pkg:npm/%40babel/core@7.0.0'
 */
export function canonicalPurl(purl: string): string {
  return formatPurl(parsePurl(purl));
}
