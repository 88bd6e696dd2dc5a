/**
 * Parses os-release(5) (`etc/os-release`, `usr/lib/os-release`) into the
 * fields we use. A plain function, not an extractor: the OS release is
 * context for the packages of a target, not a package itself.
 *
 * Follows the file format of os-release(5): `KEY=value` lines, values
 * optionally in double or single quotes, backslash escapes inside double
 * quotes, `#` comment lines. Lines that are not assignments are ignored, as
 * the specification asks. A missing `ID` defaults to `linux`, also as the
 * specification says.
 *
 * @example
 *   parseOsRelease('ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n');
 *   // { id: 'debian', versionId: '12', versionCodename: 'bookworm' }
 */
import type { OsRelease } from '../model/package.js';

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/**
 * Parses os-release text (or its bytes, decoded as UTF-8).
 *
 * @example
 *   parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n').prettyName;
 *   // 'Debian GNU/Linux 12 (bookworm)'
 */
export function parseOsRelease(contents: Uint8Array | string): OsRelease {
  const text = typeof contents === 'string' ? contents : new TextDecoder().decode(contents);
  const values = new Map<string, string>();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = ASSIGNMENT.exec(line);
    if (match === null) continue;
    const [, key, value] = match;
    if (key === undefined || value === undefined) continue;
    // Later assignments win, as when the file is sourced by a shell.
    values.set(key, unquote(value));
  }
  const release: OsRelease = { id: nonEmpty(values.get('ID')) ?? 'linux' };
  const versionId = nonEmpty(values.get('VERSION_ID'));
  const versionCodename = nonEmpty(values.get('VERSION_CODENAME'));
  const prettyName = nonEmpty(values.get('PRETTY_NAME'));
  if (versionId !== undefined) release.versionId = versionId;
  if (versionCodename !== undefined) release.versionCodename = versionCodename;
  if (prettyName !== undefined) release.prettyName = prettyName;
  return release;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Shell-like unquoting of one value; an unterminated quote keeps what follows it. */
function unquote(value: string): string {
  const quote = value[0];
  if (quote === "'") {
    const end = value.indexOf("'", 1);
    return end === -1 ? value.slice(1) : value.slice(1, end);
  }
  if (quote !== '"') return value.replace(/\\(.)/g, '$1').trim();
  let out = '';
  for (let i = 1; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"') break;
    // Inside double quotes only \$ \" \\ \` are escapes; any other backslash is literal.
    if (ch === '\\' && i + 1 < value.length && '$"\\`'.includes(value[i + 1] ?? '')) {
      out += value[i + 1];
      i++;
      continue;
    }
    out += ch;
  }
  return out;
}
