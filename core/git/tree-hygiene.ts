/**
 * Tree hygiene: nothing in a state repository needs a symbolic link, a
 * submodule, or a name a checkout treats specially, and each of them is a
 * way to make a later write land outside the work tree or inside `.git`.
 * So every tree entry of the new tip, and of every commit the move brings,
 * must be a file (100644/100755) or a folder (040000) whose name is not
 * empty, `.`, `..`, `.git` in any case, and holds no `/`, `\` or NUL.
 *
 * Trees are read as raw objects and parsed here, not through a library
 * that refuses (or silently normalises) the very names being looked for.
 * Each distinct tree is read once, so a history that shares its trees
 * costs what its changed paths cost.
 *
 * @example
 *   const problem = await treeProblem(store, commits); // { path: 'nodes/x', problem: 'is a symbolic link (mode 120000)' }
 */
import type { GitStore } from './git-store.js';

export interface TreeProblem {
  path: string;
  problem: string;
}

interface RawEntry {
  mode: string;
  name: string;
  oid: string;
}

const FILE_MODES = new Set(['100644', '100755', '644', '755']);
const TREE_MODES = new Set(['40000', '040000']);

/**
 * The first bad entry in the trees of `commits`, or undefined. With `known`
 * (a commit already checked), a folder whose tree is the one `known` holds at
 * the same path is not read again: the walk follows only what changed, so
 * checking one new report costs the same in a repository of any size.
 */
export async function treeProblem(store: GitStore, commits: readonly string[], known?: string): Promise<TreeProblem | undefined> {
  const seen = new Set<string>();
  const base = known === undefined ? undefined : (await store.readCommit(known)).tree;
  for (const commit of commits) {
    const found = await walkTree(store, (await store.readCommit(commit)).tree, '', seen, base);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Why a single entry is refused, or undefined when it is a plain file or folder with a plain name. */
export function entryProblem(mode: string, name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `has the name '${name}'`;
  if (name.toLowerCase() === '.git') return `is named '${name}', which a checkout reads as the repository itself`;
  if (name.includes('/') || name.includes('\\') || name.includes('\0')) return 'has a name holding a slash, backslash or NUL';
  if (mode === '120000') return 'is a symbolic link (mode 120000)';
  if (mode === '160000') return 'is a submodule (mode 160000)';
  if (!FILE_MODES.has(mode) && !TREE_MODES.has(mode)) return `has the mode ${mode}, neither a file nor a folder`;
  return undefined;
}

interface Pending {
  oid: string;
  path: string;
  /** The known commit's tree at the same path, if it has one. */
  base: string | undefined;
}

async function walkTree(store: GitStore, root: string, rootPath: string, seen: Set<string>, base: string | undefined): Promise<TreeProblem | undefined> {
  // Iterative: a hostile tree may nest far deeper than the call stack.
  const stack: Pending[] = [{ oid: root, path: rootPath, base }];
  while (stack.length > 0) {
    const { oid, path, base: known } = stack.pop() as Pending;
    if (seen.has(oid) || oid === known) continue;
    seen.add(oid);
    const { type, data } = await store.readObject(oid);
    if (type !== 'tree') return { path: path === '' ? '.' : path, problem: `is a ${type} where a folder should be` };
    const knownEntries = known === undefined ? undefined : await knownTrees(store, known);
    for (const entry of parseRawTree(data)) {
      const child = path === '' ? entry.name : `${path}/${entry.name}`;
      const problem = entryProblem(entry.mode, entry.name);
      if (problem !== undefined) return { path: printable(child), problem };
      if (TREE_MODES.has(entry.mode)) stack.push({ oid: entry.oid, path: child, base: knownEntries?.get(entry.name) });
    }
  }
  return undefined;
}

/** Name → tree id of the folders in a tree that was already checked. */
async function knownTrees(store: GitStore, oid: string): Promise<Map<string, string>> {
  const { type, data } = await store.readObject(oid);
  if (type !== 'tree') return new Map();
  return new Map(parseRawTree(data).filter((e) => TREE_MODES.has(e.mode)).map((e) => [e.name, e.oid]));
}

// One decoder for every tree: making one costs more than decoding a small tree's names.
const decoder = new TextDecoder('utf-8', { fatal: false });
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `<mode> <name>\0<20-byte id>` entries, as Git writes them; a malformed tree yields what precedes the damage and one bad entry. */
export function parseRawTree(data: Uint8Array): RawEntry[] {
  const entries: RawEntry[] = [];
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const nul = space < 0 ? -1 : data.indexOf(0, space + 1);
    if (space < 0 || nul < 0 || nul + 21 > data.length) {
      entries.push({ mode: 'damaged', name: decoder.decode(data.subarray(at, Math.min(data.length, at + 64))), oid: '' });
      break;
    }
    const mode = decoder.decode(data.subarray(at, space));
    const name = decoder.decode(data.subarray(space + 1, nul));
    let oid = '';
    for (let k = nul + 1; k < nul + 21; k++) oid += HEX[data[k] as number];
    entries.push({ mode, name, oid });
    at = nul + 21;
  }
  return entries;
}

/** A path safe to print on one line: control characters shown as \xNN. */
function printable(path: string): string {
  return path.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
