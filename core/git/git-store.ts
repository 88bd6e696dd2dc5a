/**
 * The state repository as an object store. Commits are made at the object
 * level (`object-write.ts`) — write the changed blobs, rewrite only
 * the trees along the changed paths, write the commit, move the ref — so a
 * commit costs the same in a repository of ten reports or ten thousand.
 * Nothing here touches a working tree; `worktree.ts` does that when needed.
 *
 * The filesystem is passed in (Node's `fs` in the agent; another backend in a
 * Worker), so this module uses no runtime-specific API.
 *
 * @example
 *   const store = new GitStore({ fs, dir: '/srv/state' });
 *   const oid = await store.commit({
 *     branch: 'agents/node-1',
 *     changes: new Map([['findings/node-1/app/report.json', bytes]]),
 *     message: 'scan app',
 *     author: { name: 'stella', email: 'stella@node-1' },
 *   });
 */
import type { CallbackFsClient, PromiseFsClient, TreeEntry } from 'isomorphic-git';
import { StellaError } from '../errors.js';
import { isoGit } from './iso-git.js';
import { ByteCache } from './byte-cache.js';
import { mergeBases } from './merge-base.js';
import { parseCommitInfo, parseTreeEntries } from './object-parse.js';
import { looseRef, plainConfig } from './plain-read.js';
import { commitBytes, writeObject } from './object-write.js';
import { StoreObjects, type ObjectFiles } from './store-objects.js';
import { applyChanges, groupChanges, writeTree } from './tree-write.js';

export type StoreFs = CallbackFsClient | PromiseFsClient;
export type { CallbackFsClient, PromiseFsClient, TreeEntry };

/** The four kinds of Git object. */
export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';

/** What history walks and replays need of a commit. */
export interface CommitInfo {
  oid: string;
  parents: string[];
  tree: string;
  /** Committer time, seconds since the epoch. */
  time: number;
  message: string;
  author: { name: string; email: string; timestamp: number };
}

export interface Author {
  name: string;
  email: string;
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
}

export interface CommitRequest {
  /** Short branch name (`main`, `agents/node-1`). */
  branch: string;
  /**
   * The commit the change is based on. Defaults to the branch tip; when the
   * branch does not exist yet, to `startFrom`'s tip (or no parent at all).
   */
  parent?: string;
  /** Branch whose tip a new branch starts from. */
  startFrom?: string;
  /** Path → new content; `null` deletes the path (and a folder, recursively). */
  changes: ReadonlyMap<string, Uint8Array | null>;
  message: string;
  author: Author;
  /**
   * Called with the new commit's id after its objects are written and before
   * the ref moves: the agent's crash tests stop the process exactly there.
   */
  beforeRefUpdate?: (oid: string) => void | Promise<void>;
}

export interface CommitResult {
  /** The new commit, or the unchanged tip when the change was a no-op. */
  oid: string;
  /** False when the tree did not change, so nothing was committed. */
  committed: boolean;
  parent: string | undefined;
}

export class GitStore {
  readonly fs: StoreFs;
  readonly dir: string;
  readonly gitdir: string;
  readonly cache: object = {};
  /** Every object read goes through here: with `files`, packs are read an entry at a time, never whole. */
  readonly objects: StoreObjects;
  /** Parsed trees by id (a tree never changes): admission and commit rounds list the same folders again and again. */
  private readonly trees = new ByteCache<string, readonly TreeEntry[]>(8 << 20, (entries) => 64 + entries.length * 128);

  constructor(options: { fs: StoreFs; dir: string; gitdir?: string; files?: ObjectFiles }) {
    this.fs = options.fs;
    this.dir = options.dir;
    this.gitdir = options.gitdir ?? `${options.dir}/.git`;
    this.objects = new StoreObjects(this, options.files);
  }

  /** The commit a branch points to, or undefined when the branch does not exist. */
  async branchTip(branch: string): Promise<string | undefined> {
    const loose = await looseRef(this.fs, this.gitdir, `refs/heads/${branch}`);
    if (loose !== undefined) return loose;
    try {
      return await (await isoGit()).resolveRef({ fs: this.fs, gitdir: this.gitdir, ref: `refs/heads/${branch}` });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** A ref in any spelling git accepts (`main`, `origin/main`, `refs/heads/x`, `HEAD`, a full oid), or undefined. */
  async resolve(ref: string): Promise<string | undefined> {
    if (/^[0-9a-f]{40}$/.test(ref)) return ref;
    for (const candidate of [ref, `refs/heads/${ref}`, `refs/remotes/${ref}`, `refs/tags/${ref}`]) {
      try {
        return await (await isoGit()).resolveRef({ fs: this.fs, gitdir: this.gitdir, ref: candidate });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return undefined;
  }

  /** The contents of `path` at a commit, or undefined when the path is absent. */
  async readFile(commit: string, path: string): Promise<Uint8Array | undefined> {
    const slash = path.lastIndexOf('/');
    const entry = (await this.listFolder(commit, slash < 0 ? '' : path.slice(0, slash))).find((e) => e.path === path.slice(slash + 1));
    if (entry === undefined) return undefined;
    if (entry.type !== 'blob') throw new StellaError('REPO_INVALID', `${path} at ${commit.slice(0, 12)} is a ${entry.type}, not a file`);
    return this.readBlob(entry.oid);
  }

  /** A blob by its id. */
  async readBlob(oid: string): Promise<Uint8Array> {
    const { type, data } = await this.objects.read(oid);
    if (type !== 'blob') throw new StellaError('REPO_INVALID', `${oid}: expected a blob, found a ${type}`);
    return data;
  }

  /** Entries of the folder `path` (empty string for the root) at a commit; empty when absent. */
  async listFolder(commit: string, path: string): Promise<TreeEntry[]> {
    let oid = commit;
    let object = await this.objects.read(commit).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    if (object?.type === 'commit') {
      oid = parseCommitInfo(commit, object.data).tree;
      object = await this.objects.read(oid);
    }
    for (const part of path === '' ? [] : path.split('/')) {
      if (object?.type !== 'tree') return [];
      const entry = this.treeEntries(oid, object.data).find((e) => e.path === part);
      if (entry?.type !== 'tree') return [];
      oid = entry.oid;
      object = await this.objects.read(oid);
    }
    return object?.type === 'tree' ? [...this.treeEntries(oid, object.data)] : [];
  }

  /** Every file path under `path` at a commit, sorted, with its blob id. */
  async walkFiles(commit: string, path: string): Promise<{ path: string; oid: string }[]> {
    const out: { path: string; oid: string }[] = [];
    const visit = async (folder: string): Promise<void> => {
      for (const entry of await this.listFolder(commit, folder)) {
        const child = folder === '' ? entry.path : `${folder}/${entry.path}`;
        if (entry.type === 'tree') await visit(child);
        else if (entry.type === 'blob') out.push({ path: child, oid: entry.oid });
      }
    };
    await visit(path);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** The tree id of a commit. */
  async treeOf(commit: string): Promise<string> {
    return (await this.readCommit(commit)).tree;
  }

  /** A full ref name (`refs/heads/x`, `refs/remotes/o/x`) resolved to a commit, or undefined when absent. */
  async readRef(ref: string): Promise<string | undefined> {
    try {
      return await (await isoGit()).resolveRef({ fs: this.fs, gitdir: this.gitdir, ref });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Points a full ref name at `oid`, whatever it pointed to before (callers do their own compare-and-swap). */
  async writeRef(ref: string, oid: string): Promise<void> {
    await (await isoGit()).writeRef({ fs: this.fs, gitdir: this.gitdir, ref, value: oid, force: true });
  }

  /** Removes a ref; a ref that is already gone is fine. */
  async deleteRef(ref: string): Promise<void> {
    await (await isoGit()).deleteRef({ fs: this.fs, gitdir: this.gitdir, ref }).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }

  /** Local branch names, or the branches tracked for `remote` (`refs/remotes/<remote>/…`); empty when none. */
  async listBranches(remote?: string): Promise<string[]> {
    return (await isoGit()).listBranches({ fs: this.fs, gitdir: this.gitdir, ...(remote === undefined ? {} : { remote }) }).catch(() => [] as string[]);
  }

  /** The full ref HEAD names (`refs/heads/main`), or undefined when HEAD is detached or unreadable. */
  async currentBranch(): Promise<string | undefined> {
    const head = await (await isoGit()).currentBranch({ fs: this.fs, gitdir: this.gitdir, fullname: true }).catch(() => undefined);
    return typeof head === 'string' ? head : undefined;
  }

  /** A value from `.git/config` (`remote.origin.url`), or undefined. */
  async getConfig(path: string): Promise<string | undefined> {
    const plain = await plainConfig(this.fs, this.gitdir, path);
    if (plain !== 'unsure') return plain.value === '' ? undefined : plain.value;
    const value: unknown = await (await isoGit()).getConfig({ fs: this.fs, gitdir: this.gitdir, path }).catch(() => undefined);
    return typeof value === 'string' && value !== '' ? value : undefined;
  }

  /** Sets a value in `.git/config`. */
  async setConfig(path: string, value: string): Promise<void> {
    await (await isoGit()).setConfig({ fs: this.fs, gitdir: this.gitdir, path, value });
  }

  /** A commit's tree, parents, times, author and message. */
  async readCommit(oid: string): Promise<CommitInfo> {
    const { type, data } = await this.objects.read(oid);
    if (type !== 'commit') throw Object.assign(new Error(`${oid} is a ${type}, not a commit`), { code: 'ObjectTypeError' });
    return parseCommitInfo(oid, data);
  }

  /** True when `oid` is a commit in the object store. */
  async hasCommit(oid: string): Promise<boolean> {
    try {
      await this.readCommit(oid);
      return true;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'NotFoundError' || code === 'ObjectTypeError') return false;
      throw error;
    }
  }

  /** True when any object `oid` is in the object store (read without inflating it). */
  async hasObject(oid: string): Promise<boolean> {
    return this.objects.has(oid);
  }

  /** A tree's entries, parsed once per tree id (shared: callers get copies). */
  private treeEntries(oid: string, data: Uint8Array): readonly TreeEntry[] {
    let entries = this.trees.get(oid);
    if (entries === undefined) {
      entries = parseTreeEntries(oid, data);
      this.trees.set(oid, entries);
    }
    return entries;
  }

  /** The entries of a tree object by its id. */
  async readTree(oid: string): Promise<TreeEntry[]> {
    const { type, data } = await this.objects.read(oid);
    if (type !== 'tree') throw new StellaError('REPO_INVALID', `${oid}: expected a tree, found a ${type}`);
    return [...this.treeEntries(oid, data)];
  }

  /** Any object's type and content bytes. */
  async readObject(oid: string): Promise<{ type: ObjectType; data: Uint8Array }> {
    const { type, data } = await this.objects.read(oid);
    return { type: type as ObjectType, data };
  }

  /** The full id of an abbreviated one; throws NOT_FOUND when none or several match. */
  async expandOid(short: string): Promise<string> {
    try {
      return await (await isoGit()).expandOid({ fs: this.fs, gitdir: this.gitdir, oid: short, cache: this.cache });
    } catch (cause) {
      throw new StellaError('NOT_FOUND', `no single object in ${this.gitdir} starts with ${short}`, { cause });
    }
  }

  /** The best common ancestors of two commits (empty for unrelated histories). */
  async mergeBases(a: string, b: string): Promise<string[]> {
    return mergeBases(this, a, b);
  }

  /**
   * Applies `changes` on top of the parent and commits to `branch`. The ref
   * only moves if it still points at the parent (compare-and-swap), so a
   * concurrent writer is detected instead of overwritten. A change that
   * leaves the tree as it was commits nothing.
   */
  async commit(request: CommitRequest): Promise<CommitResult> {
    for (const path of request.changes.keys()) assertSafePath(path);
    const currentTip = await this.branchTip(request.branch);
    const parent =
      request.parent ?? currentTip ?? (request.startFrom === undefined ? undefined : await this.branchTip(request.startFrom));
    if (request.parent !== undefined && currentTip !== undefined && currentTip !== request.parent) {
      throw new StellaError('REPO_INVALID', `branch ${request.branch} moved to ${currentTip.slice(0, 12)} while committing on ${request.parent.slice(0, 12)}`, {
        data: { branch: request.branch, expected: request.parent, actual: currentTip },
      });
    }
    const baseTree = parent === undefined ? undefined : await this.treeOf(parent);
    const tree = await applyChanges(this, baseTree, groupChanges(request.changes));
    const newTree = tree ?? (await writeTree(this, []));
    if (parent !== undefined && newTree === baseTree && currentTip !== undefined) {
      return { oid: parent, committed: false, parent };
    }
    const timestamp = request.author.timestamp ?? Math.floor(Date.now() / 1000);
    const signature = { name: request.author.name, email: request.author.email, timestamp };
    const oid = await writeObject(this, 'commit', commitBytes({ tree: newTree, parents: parent === undefined ? [] : [parent], author: signature, committer: signature, message: request.message }));
    await request.beforeRefUpdate?.(oid);
    const tipNow = await this.branchTip(request.branch);
    if (tipNow !== currentTip) {
      throw new StellaError('REPO_INVALID', `branch ${request.branch} was moved by another writer; nothing was changed, retry`, {
        data: { branch: request.branch },
      });
    }
    await (await isoGit()).writeRef({ fs: this.fs, gitdir: this.gitdir, ref: `refs/heads/${request.branch}`, value: oid, force: true });
    return { oid, committed: true, parent };
  }
}

/** Refuses paths that Git or a checkout would treat specially. */
export function assertSafePath(path: string): void {
  const parts = path.split('/');
  const bad =
    path === '' ||
    parts.some((part) => part === '' || part === '.' || part === '..' || part.toLowerCase() === '.git') ||
    path.includes('\0') ||
    path.includes('\\');
  if (bad) throw new StellaError('PATH_UNSAFE', `refusing to write unsafe repository path '${path}'`);
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'NotFoundError' || code === 'ENOENT';
}
