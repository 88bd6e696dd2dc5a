/**
 * Reading commits and trees for walks over the object graph: through
 * isomorphic-git (any backend, loose or packed), parsed here with no more
 * work than a walk needs (a commit's tree, parents and time; a tree's
 * entry kinds and ids).
 *
 * @example
 *   const reader = new ObjectReader(store, undefined);
 *   for (const entry of await reader.tree(treeOid)) console.log(entry.kind, entry.oid);
 */
import { StellaError } from '../errors.js';
import type { StoreFs } from './git-store.js';
import type { StoreObjects } from './store-objects.js';
import { isoGit } from './iso-git.js';

/** Where objects are read from: a GitStore satisfies it. */
export interface ObjectSource {
  readonly fs: StoreFs;
  readonly gitdir: string;
  /** isomorphic-git's cache (parsed pack indexes); share it between calls on the same repository. */
  readonly cache: object;
  /** The store's own object reader (a GitStore has one): used instead of isomorphic-git when present. */
  readonly objects?: StoreObjects;
}

/** Inflates one zlib stream synchronously (Node: `zlib.inflateSync`). */
export type Inflate = (deflated: Uint8Array) => Uint8Array;

export interface TreeItem {
  kind: 'tree' | 'blob' | 'commit';
  oid: string;
}

/**
 * Reads and parses objects through isomorphic-git; missing objects become REPO_INVALID.
 * @example const { tree, parents } = await new ObjectReader(store, undefined).commit(oid);
 */
export class ObjectReader {
  constructor(
    private readonly source: ObjectSource,
    private readonly inflate: Inflate | undefined,
  ) {}

  /** Tips read while peeling, kept for the walk that reads them next. */
  private readonly kept = new Map<string, { type: string; object: Uint8Array }>();

  async read(oid: string, keep = false): Promise<{ type: string; object: Uint8Array }> {
    const hit = this.kept.get(oid);
    if (hit !== undefined) {
      this.kept.delete(oid);
      return hit;
    }
    const result = await this.readUncached(oid);
    if (keep && result.type === 'commit') this.kept.set(oid, result);
    return result;
  }

  private async readUncached(oid: string): Promise<{ type: string; object: Uint8Array }> {
    try {
      if (this.source.objects !== undefined) {
        const { type, data } = await this.source.objects.read(oid);
        return { type, object: data };
      }
      // 'wrapped' (or 'deflated') skips isomorphic-git's per-object SHA-1 check, a third of the cost
      // of a small loose read; the packer reads every object again with the check, and an import
      // has hashed them all while indexing. Packed objects come back as 'content' either way.
      const format = this.inflate === undefined ? 'wrapped' : 'deflated';
      const git = await isoGit();
      const result = await git.readObject({ fs: this.source.fs, gitdir: this.source.gitdir, oid, format, cache: this.source.cache });
      const object = result.object as Uint8Array;
      if (result.format === 'deflated' && this.inflate !== undefined) return unwrap(oid, this.inflate(object));
      return result.format === 'wrapped' ? unwrap(oid, object) : { type: result.type, object };
    } catch (cause) {
      if (cause instanceof StellaError) throw cause;
      const code = (cause as { code?: unknown }).code;
      const what = code === 'NotFoundError' ? 'is missing' : 'cannot be read';
      throw new StellaError('REPO_INVALID', `object ${oid} ${what} (repository or bundle incomplete)`, { cause, data: { oid } });
    }
  }

  async commit(oid: string): Promise<{ tree: string; parents: string[]; time: number }> {
    const { type, object } = await this.read(oid);
    if (type !== 'commit') throw new StellaError('REPO_INVALID', `${oid}: expected a commit, found a ${type}`);
    return parseCommit(oid, object);
  }

  async tree(oid: string): Promise<TreeItem[]> {
    const { type, object } = await this.read(oid);
    if (type !== 'tree') throw new StellaError('REPO_INVALID', `${oid}: expected a tree, found a ${type}`);
    return parseTree(oid, object);
  }
}

const decoder = new TextDecoder();

/** Splits a loose object's `<type> <size>\0<content>`. */
function unwrap(oid: string, wrapped: Uint8Array): { type: string; object: Uint8Array } {
  const space = wrapped.indexOf(0x20);
  const nul = wrapped.indexOf(0, space);
  const type = space > 0 ? decoder.decode(wrapped.subarray(0, space)) : '';
  const object = wrapped.subarray(nul + 1);
  if (space < 0 || nul < 0 || Number(decoder.decode(wrapped.subarray(space + 1, nul))) !== object.length) {
    throw new StellaError('REPO_INVALID', `object ${oid}: malformed loose object header`);
  }
  return { type, object };
}

function parseCommit(oid: string, object: Uint8Array): { tree: string; parents: string[]; time: number } {
  // Only the header matters; the message can be long.
  const blank = findBlankLine(object);
  const text = decoder.decode(object.subarray(0, blank));
  const tree = /^tree ([0-9a-f]{40})$/m.exec(text)?.[1];
  if (tree === undefined) throw new StellaError('REPO_INVALID', `commit ${oid}: no tree line`);
  const parents = [...text.matchAll(/^parent ([0-9a-f]{40})$/gm)].map((m) => m[1] as string);
  const time = Number(/^committer .*> (\d+) [+-]\d{4}$/m.exec(text)?.[1] ?? 0);
  return { tree, parents, time };
}

function findBlankLine(bytes: Uint8Array): number {
  for (let i = 0; i + 1 < bytes.length; i++) if (bytes[i] === 0x0a && bytes[i + 1] === 0x0a) return i;
  return bytes.length;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function parseTree(oid: string, object: Uint8Array): TreeItem[] {
  const items: TreeItem[] = [];
  let i = 0;
  while (i < object.length) {
    const space = object.indexOf(0x20, i);
    const nul = space < 0 ? -1 : object.indexOf(0, space);
    if (nul < 0 || nul + 21 > object.length) throw new StellaError('REPO_INVALID', `tree ${oid}: malformed entry at byte ${i}`);
    const modeLength = space - i;
    // '40000' is a folder, '160000' a submodule commit (never packed); everything else is a blob.
    const kind: TreeItem['kind'] = modeLength === 5 && object[i] === 0x34 ? 'tree' : modeLength === 6 && object[i] === 0x31 && object[i + 1] === 0x36 ? 'commit' : 'blob';
    let hex = '';
    for (let k = nul + 1; k < nul + 21; k++) hex += HEX[object[k] as number];
    items.push({ kind, oid: hex });
    i = nul + 21;
  }
  return items;
}
