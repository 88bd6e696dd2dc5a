/**
 * Reader for the yarn v1 lockfile format: not YAML but yarn's own
 * indentation format. Each entry starts with an unindented header listing
 * the descriptors it satisfies and ends with `:`; its fields follow, one
 * indentation level deeper, as `key value` with optional quotes. Deeper
 * blocks (`dependencies:`) are not needed to name a package and are skipped.
 *
 * @example
 *   parseYarnV1('"a@^1.0.0", a@^1.1.0:\n  version "1.2.0"\n').entries;
 *   // [{ descriptors: ['a@^1.0.0', 'a@^1.1.0'], fields: Map { 'version' => '1.2.0' }, line: 1 }]
 */

/**
 * One lockfile entry: the descriptors of its header and its top-level scalar fields.
 *
 * @example
 *   const entry: YarnV1Entry = { descriptors: ['a@^1.0.0'], fields: new Map([['version', '1.2.0']]), line: 5 };
 */
export interface YarnV1Entry {
  descriptors: string[];
  fields: Map<string, string>;
  /** 1-based line of the header, for warnings a person can find. */
  line: number;
}

/**
 * Parses the text of a v1 lockfile. Lines that fit nowhere are reported in
 * `problems` (with their line number) and skipped; the rest is still read.
 *
 * @example
 *   parseYarnV1('oops\n').problems; // ['line 1: expected an entry header ending in ":"; skipped']
 */
export function parseYarnV1(text: string): { entries: YarnV1Entry[]; problems: string[] } {
  const entries: YarnV1Entry[] = [];
  const problems: string[] = [];
  let current: YarnV1Entry | undefined;
  let fieldIndent = 0;
  let skippingBlock = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    const body = line.trimStart();
    if (body === '' || body.startsWith('#')) continue;
    const indent = line.length - body.length;
    if (indent === 0) {
      current = undefined;
      skippingBlock = false;
      const header = parseHeader(body);
      if (header === undefined) {
        problems.push(`line ${i + 1}: expected an entry header ending in ":"; skipped`);
        // Its indented lines belong to nothing; one warning for the header says enough.
        skippingBlock = true;
        continue;
      }
      current = { descriptors: header, fields: new Map(), line: i + 1 };
      fieldIndent = 0;
      entries.push(current);
      continue;
    }
    if (current === undefined) {
      if (!skippingBlock) {
        problems.push(`line ${i + 1}: indented line outside any entry; skipped`);
        skippingBlock = true;
      }
      continue;
    }
    // The first field fixes the entry's indentation; yarn writes two spaces, but nothing depends on that.
    if (fieldIndent === 0) fieldIndent = indent;
    if (indent !== fieldIndent) continue;
    const field = parseField(body);
    if (field !== undefined && !current.fields.has(field.key)) current.fields.set(field.key, field.value);
  }
  return { entries, problems };
}

/** `"a@^1", a@^2:` → ['a@^1', 'a@^2']; undefined when the line is not a header. */
function parseHeader(body: string): string[] | undefined {
  if (!body.endsWith(':')) return undefined;
  const descriptors = splitOutsideQuotes(body.slice(0, -1), ',')
    .map((part) => unquote(part.trim()))
    .filter((part) => part !== '');
  return descriptors.length === 0 ? undefined : descriptors;
}

/** `version "1.0.0"`, `"version" "1.0.0"`, `integrity sha512-…`; a key with no value opens a block and is not a field. */
function parseField(body: string): { key: string; value: string } | undefined {
  let key: string;
  let rest: string;
  if (body.startsWith('"')) {
    const end = closingQuote(body, 0);
    if (end === -1) return undefined;
    key = unquote(body.slice(0, end + 1));
    rest = body.slice(end + 1);
  } else {
    const space = body.search(/\s/);
    key = space === -1 ? body : body.slice(0, space);
    rest = space === -1 ? '' : body.slice(space);
  }
  if (key.endsWith(':')) key = key.slice(0, -1);
  else if (rest.startsWith(':')) rest = rest.slice(1);
  const value = rest.trim();
  if (key === '' || value === '') return undefined;
  return { key, value: unquote(value) };
}

/** Splits on `separator` where it is not inside a double-quoted string. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && inQuotes) i++;
    else if (ch === '"') inQuotes = !inQuotes;
    else if (ch === separator && !inQuotes) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Index of the quote closing the string that opens at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** Yarn writes quoted strings with JSON escapes; anything else is taken as written. */
function unquote(text: string): string {
  if (text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) return text;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : text.slice(1, -1);
  } catch {
    return text.slice(1, -1);
  }
}
