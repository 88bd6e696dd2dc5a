/**
 * Reading the XML of build files (pom.xml): decoding, a well-formedness
 * check, and parsing into plain objects with fast-xml-parser, configured so
 * that hostile input stays bounded (nesting is capped by the parser; DOCTYPE
 * entities are limited and not expanded recursively). The parser is loaded
 * when the first document is read (see ../lazy-module.ts), so `parseXml`
 * returns a Promise. Helpers read the result whether an element occurs once
 * (an object) or repeatedly (an array).
 *
 * @example
 *   const read = await parseXml('app/pom.xml', bytes);
 *   if (read.$case === 'ok') text(child(read.document, 'project')?.['version']);
 */
import type { X2jOptions } from 'fast-xml-parser';
import { describeError } from '../../errors.js';
import { lazyModule } from '../lazy-module.js';

/**
 * An element with children, as the parser gives it: child name → element
 * (object), text (string) or repeated elements (array).
 *
 * @example
 *   const project: XmlNode = { groupId: 'org.example', dependencies: { dependency: [] } };
 */
export type XmlNode = Record<string, unknown>;

/**
 * A parsed document or why there is none.
 *
 * @example
 *   const read: XmlRead = parseXml(bytes);
 */
export type XmlRead = { $case: 'ok'; document: XmlNode } | { $case: 'invalid'; reason: string };

const PARSER_OPTIONS: X2jOptions = {
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Only the five XML entities matter in build files; DOCTYPE entities are capped and not expanded recursively.
  processEntities: { enabled: true, maxEntityCount: 20, maxTotalExpansions: 100, maxExpandedLength: 10_000 },
};

/** The validator and one configured parser, made once, on the first document. */
const loadXml = lazyModule('the XML parser (fast-xml-parser)', async () => {
  const { XMLParser, XMLValidator } = await import('fast-xml-parser');
  return { parser: new XMLParser(PARSER_OPTIONS), validator: XMLValidator };
});

/**
 * Decodes (by BOM, else the XML declaration, else UTF-8), checks that the
 * text is well-formed XML and parses it. Attributes, namespace prefixes,
 * the declaration and processing instructions are dropped; values stay text.
 * `contents` is decoded before the first await, so the caller may reuse it
 * once this returns; `path` names the file if the parser cannot be loaded.
 *
 * @example
 *   await parseXml('pom.xml', new TextEncoder().encode('<project><version>1</version></project>'));
 *   // { $case: 'ok', document: { project: { version: '1' } } }
 */
export async function parseXml(path: string, contents: Uint8Array): Promise<XmlRead> {
  const xml = decodeXml(contents);
  const { parser, validator } = await loadXml(path);
  const valid = validator.validate(xml);
  if (valid !== true) return { $case: 'invalid', reason: `not well-formed XML (line ${valid.err.line}: ${oneLine(valid.err.msg)})` };
  try {
    const document: unknown = parser.parse(xml);
    return isNode(document) ? { $case: 'ok', document } : { $case: 'invalid', reason: 'not an XML document' };
  } catch (error) {
    return { $case: 'invalid', reason: `not readable XML (${oneLine(describeError(error))})` };
  }
}

/** By BOM, else the XML declaration's encoding, else UTF-8 (the XML default). */
function decodeXml(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 256));
  const declared = /^(?:\uFEFF|ï»¿)?<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
  if (declared !== undefined) {
    try {
      return new TextDecoder(declared).decode(bytes);
    } catch {
      // An encoding TextDecoder does not know: read as UTF-8, which every ASCII pom is.
    }
  }
  return new TextDecoder().decode(bytes);
}

/**
 * The first child element called `name`, when it has children of its own.
 *
 * @example
 *   child({ parent: { version: '1' } }, 'parent'); // { version: '1' }
 */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  const value = node?.[name];
  if (Array.isArray(value)) return value.find(isNode);
  return isNode(value) ? value : undefined;
}

/**
 * A repeated element is an array, a single one an object: both read as a list of elements.
 *
 * @example
 *   list({ groupId: 'g' });          // [{ groupId: 'g' }]
 *   list([{ groupId: 'g' }, 'text']); // [{ groupId: 'g' }]
 */
export function list(value: unknown): XmlNode[] {
  if (Array.isArray(value)) return value.filter(isNode);
  return isNode(value) ? [value] : [];
}

/**
 * Element text, trimmed, numeric character references decoded; elements
 * with children (`#text` mixed in) give their text part; empty is undefined.
 *
 * @example
 *   text(' 1&#46;0 '); // '1.0'
 *   text('');          // undefined
 */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = decodeCharacterReferences(value).trim();
    return trimmed === '' ? undefined : trimmed;
  }
  if (isNode(value)) return text(value['#text']);
  return undefined;
}

/** The parser decodes the five named entities; numeric references (`&#46;`, `&#x2E;`) are decoded here. */
function decodeCharacterReferences(value: string): string {
  if (!value.includes('&#')) return value;
  return value.replace(/&#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}));/g, (whole, hex: string | undefined, dec: string | undefined) => {
    const code = hex !== undefined ? Number.parseInt(hex, 16) : Number(dec);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/**
 * True for an element object (not text, not a list).
 *
 * @example
 *   isNode({ a: '1' }); // true
 *   isNode('1');        // false
 */
export function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function oneLine(message: string): string {
  return message.replace(/\s+/g, ' ').slice(0, 200);
}
