/**
 * Parsing commit and tree objects read by `StoreObjects`, into the shapes
 * isomorphic-git gives (`CommitInfo`, `TreeEntry` with git's normalised
 * modes), so GitStore's readers do not depend on where an object came from.
 *
 * @example
 *   const entries = parseTreeEntries(oid, data);
 *   const info = parseCommitInfo(oid, data);
 */
import { StellaError } from '../errors.js';
import type { CommitInfo, TreeEntry } from './git-store.js';

const decoder = new TextDecoder();
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A commit's tree, parents, times, author and message. @example parseCommitInfo(oid, bytes).tree */
export function parseCommitInfo(oid: string, data: Uint8Array): CommitInfo {
  const text = decoder.decode(data);
  const blank = text.indexOf('\n\n');
  const head = blank < 0 ? text : text.slice(0, blank);
  const tree = /^tree ([0-9a-f]{40})$/m.exec(head)?.[1];
  if (tree === undefined) throw new StellaError('REPO_INVALID', `commit ${oid}: no tree line`);
  const parents = [...head.matchAll(/^parent ([0-9a-f]{40})$/gm)].map((m) => m[1] as string);
  const person = (role: string): { name: string; email: string; timestamp: number } => {
    const match = new RegExp(`^${role} (.*) <(.*)> (-?\\d+) [+-]\\d{4}$`, 'm').exec(head);
    if (match === null) throw new StellaError('REPO_INVALID', `commit ${oid}: no ${role} line`);
    return { name: match[1] as string, email: match[2] as string, timestamp: Number(match[3]) };
  };
  const committer = person('committer');
  return { oid, parents, tree, time: committer.timestamp, message: normaliseMessage(blank < 0 ? '' : text.slice(blank + 2)), author: person('author') };
}

/** A tree's entries, in stored order. @example parseTreeEntries(oid, bytes).map((e) => e.path) */
export function parseTreeEntries(oid: string, data: Uint8Array): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    const nul = space < 0 ? -1 : data.indexOf(0, space);
    if (nul < 0 || nul + 21 > data.length) throw new StellaError('REPO_INVALID', `tree ${oid}: malformed entry at byte ${i}`);
    const mode = normaliseMode(oid, decoder.decode(data.subarray(i, space)));
    let hex = '';
    for (let k = nul + 1; k < nul + 21; k++) hex += HEX[data[k] as number];
    const type = mode === '040000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
    entries.push({ mode, path: decoder.decode(data.subarray(space + 1, nul)), oid: hex, type });
    i = nul + 21;
  }
  // Sorted by plain name, as isomorphic-git hands them out (callers rely on that order).
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** isomorphic-git's message form: no carriage returns, no leading blank lines, one final newline. */
function normaliseMessage(message: string): string {
  return `${message.replace(/\r/g, '').replace(/^\n+/, '').replace(/\n+$/, '')}\n`;
}

/** Git accepts a few spellings of each mode; these are the ones isomorphic-git reports. */
function normaliseMode(oid: string, mode: string): string {
  if (/^0?4/.test(mode)) return '040000';
  if (/^1006/.test(mode)) return '100644';
  if (/^1007/.test(mode)) return '100755';
  if (/^120/.test(mode)) return '120000';
  if (/^160/.test(mode)) return '160000';
  throw new StellaError('REPO_INVALID', `tree ${oid}: unknown file mode ${mode}`);
}
