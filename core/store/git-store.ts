/**
 * The state repository as an object store. Commits are made with
 * isomorphic-git's object-level API — write the changed blobs, rewrite only
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
import git, { type CallbackFsClient, type PromiseFsClient, type TreeEntry } from 'isomorphic-git';
import { StellaError } from '../errors.js';

export type StoreFs = CallbackFsClient | PromiseFsClient;

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
}

export interface CommitResult {
  /** The new commit, or the unchanged tip when the change was a no-op. */
  oid: string;
  /** False when the tree did not change, so nothing was committed. */
  committed: boolean;
  parent: string | undefined;
}

const TREE_MODE = '040000';
const FILE_MODE = '100644';

export class GitStore {
  readonly fs: StoreFs;
  readonly dir: string;
  readonly gitdir: string;
  readonly cache: object = {};

  constructor(options: { fs: StoreFs; dir: string; gitdir?: string }) {
    this.fs = options.fs;
    this.dir = options.dir;
    this.gitdir = options.gitdir ?? `${options.dir}/.git`;
  }

  /** The commit a branch points to, or undefined when the branch does not exist. */
  async branchTip(branch: string): Promise<string | undefined> {
    try {
      return await git.resolveRef({ fs: this.fs, gitdir: this.gitdir, ref: `refs/heads/${branch}` });
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
        return await git.resolveRef({ fs: this.fs, gitdir: this.gitdir, ref: candidate });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return undefined;
  }

  /** The contents of `path` at a commit, or undefined when the path is absent. */
  async readFile(commit: string, path: string): Promise<Uint8Array | undefined> {
    try {
      const { blob } = await git.readBlob({ fs: this.fs, gitdir: this.gitdir, oid: commit, filepath: path, cache: this.cache });
      return blob;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** A blob by its id. */
  async readBlob(oid: string): Promise<Uint8Array> {
    const { blob } = await git.readBlob({ fs: this.fs, gitdir: this.gitdir, oid, cache: this.cache });
    return blob;
  }

  /** Entries of the folder `path` (empty string for the root) at a commit; empty when absent. */
  async listFolder(commit: string, path: string): Promise<TreeEntry[]> {
    try {
      const { tree } = await git.readTree({
        fs: this.fs,
        gitdir: this.gitdir,
        oid: commit,
        ...(path === '' ? {} : { filepath: path }),
        cache: this.cache,
      });
      return tree;
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
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
    const { commit: parsed } = await git.readCommit({ fs: this.fs, gitdir: this.gitdir, oid: commit, cache: this.cache });
    return parsed.tree;
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
    const tree = await this.applyChanges(baseTree, groupChanges(request.changes));
    const newTree = tree ?? (await this.writeTree([]));
    if (parent !== undefined && newTree === baseTree && currentTip !== undefined) {
      return { oid: parent, committed: false, parent };
    }
    const timestamp = request.author.timestamp ?? Math.floor(Date.now() / 1000);
    const signature = { name: request.author.name, email: request.author.email, timestamp, timezoneOffset: 0 };
    const oid = await git.writeCommit({
      fs: this.fs,
      gitdir: this.gitdir,
      commit: {
        message: request.message.endsWith('\n') ? request.message : `${request.message}\n`,
        tree: newTree,
        parent: parent === undefined ? [] : [parent],
        author: signature,
        committer: signature,
      },
    });
    const tipNow = await this.branchTip(request.branch);
    if (tipNow !== currentTip) {
      throw new StellaError('REPO_INVALID', `branch ${request.branch} was moved by another writer; nothing was changed, retry`, {
        data: { branch: request.branch },
      });
    }
    await git.writeRef({ fs: this.fs, gitdir: this.gitdir, ref: `refs/heads/${request.branch}`, value: oid, force: true });
    return { oid, committed: true, parent };
  }

  private async writeTree(entries: TreeEntry[]): Promise<string> {
    return git.writeTree({ fs: this.fs, gitdir: this.gitdir, tree: entries });
  }

  /** Rewrites one tree with its changes; returns undefined when the tree ends up empty. */
  private async applyChanges(treeOid: string | undefined, changes: ChangeTree): Promise<string | undefined> {
    const entries = new Map<string, TreeEntry>();
    if (treeOid !== undefined) {
      const { tree } = await git.readTree({ fs: this.fs, gitdir: this.gitdir, oid: treeOid, cache: this.cache });
      for (const entry of tree) entries.set(entry.path, entry);
    }
    let changed = false;
    for (const [name, change] of changes) {
      const existing = entries.get(name);
      if (change === null) {
        if (existing !== undefined) {
          entries.delete(name);
          changed = true;
        }
      } else if (change instanceof Uint8Array) {
        const oid = await git.writeBlob({ fs: this.fs, gitdir: this.gitdir, blob: change });
        if (existing?.oid !== oid || existing.mode !== FILE_MODE) {
          entries.set(name, { mode: FILE_MODE, path: name, oid, type: 'blob' });
          changed = true;
        }
      } else {
        const base = existing?.type === 'tree' ? existing.oid : undefined;
        const sub = await this.applyChanges(base, change);
        if (sub === undefined) {
          if (existing !== undefined) {
            entries.delete(name);
            changed = true;
          }
        } else if (sub !== existing?.oid) {
          entries.set(name, { mode: TREE_MODE, path: name, oid: sub, type: 'tree' });
          changed = true;
        }
      }
    }
    if (!changed && treeOid !== undefined) return treeOid;
    if (entries.size === 0) return undefined;
    return this.writeTree([...entries.values()]);
  }
}

/** Changes grouped by path segment: a leaf is bytes or null (delete), a folder is a nested map. */
type ChangeTree = Map<string, Uint8Array | null | ChangeTree>;

function groupChanges(changes: ReadonlyMap<string, Uint8Array | null>): ChangeTree {
  const root: ChangeTree = new Map();
  for (const [path, content] of changes) {
    const parts = path.split('/');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      let next = node.get(part);
      if (!(next instanceof Map)) {
        next = new Map();
        node.set(part, next);
      }
      node = next;
    }
    node.set(parts[parts.length - 1] as string, content);
  }
  return root;
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
