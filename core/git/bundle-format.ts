/**
 * The git bundle v2 container: a text header, then a packfile.
 *
 *   # v2 git bundle\n
 *   -<40-hex oid> <comment>\n      prerequisites: commits the receiver must have
 *   <40-hex oid> <refname>\n       the refs the bundle carries
 *   \n
 *   PACK…                          objects, SHA-1 trailer
 *
 * Parsing is strict about the structure (a malformed line rejects the whole
 * bundle) and careful about ref names: a name that `git check-ref-format`
 * would refuse is reported and dropped, so it can never reach a path.
 *
 * @example
 *   const bundle = parseBundle(bytes, 'nightly.bundle');
 *   for (const ref of bundle.refs) console.log(ref.oid, ref.name);
 *   for (const skip of bundle.skipped) console.warn(`${skip.name}: ${skip.reason}`);
 */
import { StellaError } from '../errors.js';

export const BUNDLE_V2_SIGNATURE = '# v2 git bundle\n';

/** A header larger than this is not a state repository's bundle but an attack on memory. */
export const MAX_BUNDLE_HEADER_BYTES = 16 << 20;

export interface BundlePrerequisite {
  oid: string;
  /** Free text after the oid (git writes the commit's subject); may be empty. */
  comment: string;
}

export interface BundleRef {
  oid: string;
  /** Full ref name, e.g. `refs/heads/main`; always passes `checkRefName`. */
  name: string;
}

export interface SkippedRef {
  /** The name as written in the bundle (control characters escaped for display). */
  name: string;
  oid: string;
  reason: string;
}

export interface BundleHeader {
  prerequisites: BundlePrerequisite[];
  refs: BundleRef[];
  /** The `HEAD` line: which commit `git clone` checks out (git writes it for `--all`). */
  head?: string | undefined;
}

export interface ParsedBundle extends BundleHeader {
  head: string | undefined;
  /** Ref lines whose names are unsafe or invalid: never imported. */
  skipped: SkippedRef[];
  /** Offset of the packfile in the input. */
  packOffset: number;
  pack: Uint8Array;
}

const OID = /^[0-9a-f]{40}$/;
const NEWLINE = 0x0a;

/**
 * Splits and checks a bundle. Throws REPO_INVALID (not a v2 bundle,
 * malformed line, truncated header, no refs) or LIMIT_EXCEEDED (header
 * beyond MAX_BUNDLE_HEADER_BYTES). The pack itself is checked separately
 * (`verifyPack`).
 *
 * @example parseBundle(await readFile('x.bundle'), 'x.bundle').refs
 */
export function parseBundle(bytes: Uint8Array, source: string): ParsedBundle {
  const header = parseHeaderOnly(bytes, source);
  return { ...header, pack: bytes.subarray(header.packOffset) };
}

/**
 * Only the header of a bundle (the pack may be absent or cut off): enough to
 * learn its refs, e.g. to use them as `--since` prerequisites.
 *
 * @example parseBundleHeader(firstBytes, 'last.bundle').refs.map((r) => r.oid)
 */
export function parseBundleHeader(bytes: Uint8Array, source: string): Omit<ParsedBundle, 'pack'> {
  return parseHeaderOnly(bytes, source);
}

function parseHeaderOnly(bytes: Uint8Array, source: string): Omit<ParsedBundle, 'pack'> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const first = lineAt(bytes, 0, source);
  const signature = latin1(bytes.subarray(0, first.end + 1));
  if (signature !== BUNDLE_V2_SIGNATURE) {
    const shown = escapeForDisplay(signature.replace(/\n$/, '')).slice(0, 60);
    const hint = /^# v3 git bundle$/.test(shown) ? ' (v3 is not supported: create it with `git bundle create --version=2`)' : '';
    throw new StellaError('REPO_INVALID', `${source}: not a v2 git bundle (first line '${shown}')${hint}`);
  }
  const prerequisites: BundlePrerequisite[] = [];
  const refs: BundleRef[] = [];
  const skipped: SkippedRef[] = [];
  const names = new Set<string>();
  let head: string | undefined;
  let offset = first.end + 1;
  for (let lineNo = 2; ; lineNo++) {
    const { end } = lineAt(bytes, offset, source);
    if (end === offset) {
      if (refs.length + skipped.length === 0 && head === undefined) {
        throw new StellaError('REPO_INVALID', `${source}: bundle lists no refs`);
      }
      return { prerequisites, refs, skipped, head, packOffset: end + 1 };
    }
    const line = bytes.subarray(offset, end);
    offset = end + 1;
    if (line[0] === 0x2d /* - */) {
      const oid = latin1(line.subarray(1, 41));
      if (!OID.test(oid) || (line.length > 41 && line[41] !== 0x20)) {
        throw new StellaError('REPO_INVALID', `${source}: header line ${lineNo} is not a prerequisite '-<40-hex oid> [comment]'`);
      }
      prerequisites.push({ oid, comment: lenientText(line.subarray(42)) });
      continue;
    }
    const oid = latin1(line.subarray(0, 40));
    if (!OID.test(oid) || line[40] !== 0x20 || line.length < 42) {
      throw new StellaError('REPO_INVALID', `${source}: header line ${lineNo} is not '<40-hex oid> <refname>'`);
    }
    const rawName = line.subarray(41);
    let name: string;
    try {
      name = decoder.decode(rawName);
    } catch {
      skipped.push({ name: escapeForDisplay(latin1(rawName)), oid, reason: 'ref name is not valid UTF-8' });
      continue;
    }
    if (names.has(name)) throw new StellaError('REPO_INVALID', `${source}: ref ${escapeForDisplay(name)} is listed twice`);
    names.add(name);
    if (name === 'HEAD') {
      head = oid;
      continue;
    }
    const problem = checkRefName(name);
    if (problem === undefined) refs.push({ oid, name });
    else skipped.push({ name: escapeForDisplay(name), oid, reason: problem });
  }
}

/** The line starting at `offset`: its end is the index of its newline. */
function lineAt(bytes: Uint8Array, offset: number, source: string): { end: number } {
  const limit = Math.min(bytes.length, MAX_BUNDLE_HEADER_BYTES);
  const end = bytes.subarray(0, limit).indexOf(NEWLINE, offset);
  if (end >= 0) return { end };
  if (limit < bytes.length) throw new StellaError('LIMIT_EXCEEDED', `${source}: bundle header is longer than ${MAX_BUNDLE_HEADER_BYTES} bytes`);
  throw new StellaError('REPO_INVALID', `${source}: bundle header ends before the blank line that separates it from the pack (truncated?)`);
}

/**
 * Why `name` fails the rules of `git check-ref-format` (without
 * `--allow-onelevel`), or undefined when it is a valid full ref name.
 *
 * @example checkRefName('refs/heads/a..b') // "contains '..'"
 */
export function checkRefName(name: string): string | undefined {
  if (name.length === 0) return 'empty ref name';
  if (name.length > 1024) return 'ref name longer than 1024 characters';
  if (name === '@') return "ref name is '@'";
  if (name.includes('..')) return "contains '..'";
  if (name.includes('@{')) return "contains '@{'";
  // Control characters, space and these punctuation marks have meaning in revision syntax or on disk.
  if (/[\u0000-\u001f\u007f ~^:?*[\\]/.test(name)) return 'contains a control character, space or one of ~ ^ : ? * [ \\';
  if (name.endsWith('.')) return "ends with '.'";
  const parts = name.split('/');
  if (parts.length < 2) return "has no '/' (one-level names are not refs)";
  for (const part of parts) {
    if (part === '') return "has an empty path component (leading, trailing or double '/')";
    if (part.startsWith('.')) return `component '${part}' starts with '.'`;
    if (part.endsWith('.lock')) return `component '${part}' ends with '.lock'`;
  }
  return undefined;
}

/**
 * The header bytes of a v2 bundle. Refs are written in the order given;
 * every name must pass `checkRefName`.
 *
 * @example formatBundleHeader({ prerequisites: [], refs: [{ oid, name: 'refs/heads/main' }] })
 */
export function formatBundleHeader(header: BundleHeader): Uint8Array {
  let text = BUNDLE_V2_SIGNATURE;
  for (const { oid, comment } of header.prerequisites) {
    assertOid(oid);
    const oneLine = comment.replace(/[\r\n]+/g, ' ');
    text += oneLine === '' ? `-${oid}\n` : `-${oid} ${oneLine}\n`;
  }
  for (const { oid, name } of header.refs) {
    assertOid(oid);
    const problem = checkRefName(name);
    if (problem !== undefined) throw new StellaError('REPO_INVALID', `cannot write ref ${escapeForDisplay(name)} into a bundle: ${problem}`);
    text += `${oid} ${name}\n`;
  }
  if (header.head !== undefined) {
    assertOid(header.head);
    text += `${header.head} HEAD\n`;
  }
  return new TextEncoder().encode(`${text}\n`);
}

function assertOid(oid: string): void {
  if (!OID.test(oid)) throw new StellaError('INTERNAL', `'${escapeForDisplay(oid)}' is not a 40-hex object id`);
}

function latin1(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += String.fromCharCode(byte);
  return out;
}

function lenientText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}

/**
 * Names go into messages and logs: control characters are shown, never emitted.
 * @example escapeForDisplay('refs/heads/a\u001b[31m') // 'refs/heads/a\\x1b[31m'
 */
export function escapeForDisplay(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
