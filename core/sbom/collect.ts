/**
 * Accepting components from an untrusted SBOM one at a time: each bad one
 * is skipped with a warning and the rest go on (partial failure is a status,
 * not a crash). Output strings are always well-formed UTF-16 and
 * control-free, so printing, hashing or signing a report never trips on them.
 */
import { describeError } from '../errors.js';
import type { Purl } from '../purl/index.js';
import { formatPurl, parsePurl } from '../purl/index.js';
import { printable } from '../json/untrusted.js';

/** One package named by an SBOM. */
export interface SbomComponent {
  /** Canonical purl (see `canonicalPurl`). */
  purl: string;
  name: string;
  version: string;
}

/** Longest component name and version we accept; longer components are skipped. */
export const MAX_NAME_LENGTH = 1024;
export const MAX_VERSION_LENGTH = 256;
/** Warnings kept per document; the rest are counted in a final line. */
export const MAX_WARNINGS = 100;

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Gathers the components of one document: validated, unique by canonical
 * purl, with at most MAX_WARNINGS warnings.
 *
 * @example
 *   const collector = new ComponentCollector('bom.json');
 *   collector.add('components[0]', 'pkg:npm/lodash@4.17.21', 'lodash', '4.17.21');
 *   collector.finish(); // { components: [{ purl: 'pkg:npm/lodash@4.17.21', … }], warnings: [] }
 */
export class ComponentCollector {
  readonly #label: string;
  readonly #byPurl = new Map<string, SbomComponent>();
  readonly #warnings: string[] = [];
  #dropped = 0;
  #withoutPurl = 0;
  readonly #withoutPurlNames: string[] = [];

  constructor(label: string) {
    this.#label = label;
  }

  /** Records a problem that did not stop the read. */
  warn(message: string): void {
    if (this.#warnings.length < MAX_WARNINGS) this.#warnings.push(`${this.#label}: ${message}`);
    else this.#dropped++;
  }

  /** A component that names no purl: counted, reported once in `finish`. */
  withoutPurl(name: unknown): void {
    this.#withoutPurl++;
    if (this.#withoutPurlNames.length < 3 && typeof name === 'string') this.#withoutPurlNames.push(JSON.stringify(printable(name, 40)));
  }

  /** Validates one component's fields and keeps it, or skips it with a warning. */
  add(where: string, purl: unknown, name: unknown, version: unknown): void {
    if (purl === undefined || purl === null || purl === '') return this.withoutPurl(name);
    if (typeof purl !== 'string') return this.warn(`${where} skipped: purl is a ${typeof purl}, not a string`);
    let parsed: Purl;
    try {
      parsed = parsePurl(purl);
    } catch (error) {
      return this.warn(`${where} skipped: ${describeError(error)}`);
    }
    const finalName = this.#text(where, 'name', name, parsed.namespace && parsed.type === 'npm' ? `${parsed.namespace}/${parsed.name}` : parsed.name, MAX_NAME_LENGTH);
    if (finalName === undefined) return;
    const checkedVersion = this.#text(where, 'version', version, parsed.version ?? '', MAX_VERSION_LENGTH);
    if (checkedVersion === undefined) return;
    const finalVersion = parsed.version === undefined ? checkedVersion : reconcileVersion(checkedVersion, parsed.version);
    const canonical = formatPurl(parsed);
    // The first occurrence wins; repeats (the same package nested twice) are expected, not warned about.
    if (!this.#byPurl.has(canonical)) this.#byPurl.set(canonical, { purl: canonical, name: finalName, version: finalVersion });
  }

  /** A checked name/version: the document's value, the purl's when absent, undefined when the component must be skipped. */
  #text(where: string, field: string, value: unknown, fromPurl: string, max: number): string | undefined {
    if (value === undefined || value === null) return fromPurl;
    if (typeof value !== 'string') {
      this.warn(`${where}: ${field} is a ${typeof value}, not a string; using the purl's`);
      return fromPurl;
    }
    if (value.length > max) {
      this.warn(`${where} skipped: ${field} is ${value.length} characters long (limit ${max})`);
      return undefined;
    }
    if (CONTROL.test(value)) {
      this.warn(`${where} skipped: ${field} ${JSON.stringify(printable(value, 60))} contains a control character`);
      return undefined;
    }
    if (LONE_SURROGATE.test(value)) {
      const fixed = value.replace(/\p{Cs}/gu, '\uFFFD');
      this.warn(`${where}: ${field} ${JSON.stringify(fixed.slice(0, 60))} had lone UTF-16 surrogates, replaced with U+FFFD`);
      return fixed;
    }
    return value;
  }

  /** Components sorted by purl (code-unit order, locale-independent), and the warnings. */
  finish(): { components: SbomComponent[]; warnings: string[] } {
    const warnings = [...this.#warnings];
    if (this.#withoutPurl > 0) {
      const examples = this.#withoutPurlNames.length > 0 ? ` (e.g. ${this.#withoutPurlNames.join(', ')})` : '';
      warnings.push(`${this.#label}: ${this.#withoutPurl} component(s) without a purl skipped${examples}`);
    }
    if (this.#dropped > 0) warnings.push(`${this.#label}: ${this.#dropped} more warning(s) not shown`);
    const components = [...this.#byPurl.values()].sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0));
    return { components, warnings };
  }
}

/** Prefixes generators put before a version that the purl leaves out (`v1.2.3`, Go's `go1.22.1`). */
const FORM_PREFIX = /^(?:v|go)(?=[0-9])/;

/**
 * The version to keep when the document's `version` field and its purl
 * disagree: the purl's when the two differ only by a leading `v` or `go`
 * (other generators write the Go standard library as `go1.22.1` where the
 * purl says `1.22.1`, and advisories speak the purl's form), else the
 * document's, as before.
 *
 * @example reconcileVersion('go1.22.1', '1.22.1') // '1.22.1'
 * @example reconcileVersion('2.0.0', '1.0.0')     // '2.0.0'
 */
export function reconcileVersion(field: string, fromPurl: string): string {
  if (field === fromPurl) return field;
  return field.replace(FORM_PREFIX, '') === fromPurl.replace(FORM_PREFIX, '') ? fromPurl : field;
}
