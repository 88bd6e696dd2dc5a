/**
 * isomorphic-git, loaded on first use. Reading a repository the usual way
 * (a loose branch ref, a plain `.git/config`, objects through our own
 * readers) needs none of it, and it is the largest library an idle agent
 * would otherwise hold (about 10 MB of memory once loaded).
 *
 * @example const oid = await (await isoGit()).writeBlob({ fs, gitdir, blob });
 */
import type Git from 'isomorphic-git';

/** The library's default export: every command as a function. */
export type IsoGit = typeof Git;

let loading: Promise<IsoGit> | undefined;

/** The library, imported once. */
export function isoGit(): Promise<IsoGit> {
  loading ??= import('isomorphic-git').then((module) => module.default);
  return loading;
}
