/**
 * `stella scan --ignore-file FILE`: advisory ids to leave out of the
 * output, in the shape of `.trivyignore` — one id per line, `#` starts a
 * comment, and an optional `exp:YYYY-MM-DD` after the id ends the entry
 * at the start of that day (UTC), as trivy does. An expired entry stops
 * applying; the caller reports it. Pure: the caller reads the file and
 * passes the clock.
 *
 * @example
 *   const list = parseIgnoreFile('# accepted until the upgrade\nCVE-2020-28500 exp:2030-01-01\n', '.stellaignore');
 *   activeIgnores(list, new Date('2025-01-01')).ids; // Set { 'CVE-2020-28500' }
 */
import { StellaError } from '../../errors.js';

/** One line of an ignore file. */
export interface IgnoreEntry {
  id: string;
  /** `YYYY-MM-DD`; absent: never expires. */
  expires?: string;
  /** 1-based line in the file, for messages. */
  line: number;
}

/** An ignore file, parsed. */
export interface IgnoreList {
  file: string;
  entries: IgnoreEntry[];
}

/** Ids are printable and space-free: anything else on a line is a mistake worth refusing. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const EXPIRY = /^exp:(\d{4}-\d{2}-\d{2})$/;

/**
 * Parses an ignore file; USAGE naming the file and line for a line that is
 * neither blank, a comment, nor `ID [exp:YYYY-MM-DD]` (an optional comment after).
 *
 * @example parseIgnoreFile('GHSA-29mw-wpgm-hmr9 # ReDoS, not reachable\n', 'f').entries; // [{ id: 'GHSA-29mw-wpgm-hmr9', line: 1 }]
 */
export function parseIgnoreFile(text: string, file: string): IgnoreList {
  const entries: IgnoreEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const content = raw.replace(/(^|\s)#.*$/, '').trim();
    if (content === '') return;
    const [id = '', ...rest] = content.split(/\s+/);
    if (!ID.test(id)) throw new StellaError('USAGE', `${file}:${line}: '${id.slice(0, 60)}' is not an advisory id (one id per line, optionally followed by exp:YYYY-MM-DD)`);
    if (rest.length > 1) throw new StellaError('USAGE', `${file}:${line}: expected 'ID [exp:YYYY-MM-DD]', found ${rest.length + 1} words`);
    const entry: IgnoreEntry = { id, line };
    if (rest[0] !== undefined) entry.expires = expiry(rest[0], file, line);
    entries.push(entry);
  });
  return { file, entries };
}

function expiry(word: string, file: string, line: number): string {
  const date = EXPIRY.exec(word)?.[1];
  const valid = date !== undefined && new Date(`${date}T00:00:00Z`).toISOString().startsWith(date);
  if (!valid) throw new StellaError('USAGE', `${file}:${line}: '${word.slice(0, 40)}' is not an expiry (write exp:YYYY-MM-DD, a real date)`);
  return date;
}

/**
 * The ids that apply at `now`, and the entries that have expired (to be
 * reported: an expired waiver must not pass silently).
 *
 * @example activeIgnores(list, new Date()).expired.map((e) => `${e.id} expired ${e.expires}`);
 */
export function activeIgnores(list: IgnoreList, now: Date): { ids: Set<string>; expired: IgnoreEntry[] } {
  const ids = new Set<string>();
  const expired: IgnoreEntry[] = [];
  for (const entry of list.entries) {
    if (entry.expires !== undefined && now.getTime() >= Date.parse(`${entry.expires}T00:00:00Z`)) expired.push(entry);
    else ids.add(entry.id);
  }
  return { ids, expired };
}
