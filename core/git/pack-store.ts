/**
 * Keeping a received pack (from a bundle or a fetch). It arrives into a
 * spool in a staging folder beside objects/pack (`stagePack`: size limit,
 * trailer), is indexed by our own indexer — held to the limits, completed
 * when thin (the whole delta bases it refers to appended from this
 * repository, as `git index-pack --fix-thin` does, so native git reads it
 * too) — and pack and index are renamed into objects/pack (`publishPack`).
 * Any failure leaves nothing behind: the staging folder goes, nothing was
 * published. Web-standard: the filesystem is the store's, the spool the
 * caller's (`PackLimits.spool`).
 *
 * @example
 *   const published = await storePack(store, packBytes, 'nightly.bundle', limits);
 *   // later, if the import is abandoned: await published.withdraw();
 */
import git from 'isomorphic-git';
import { hexEncode } from '../sign/encoding.js';
import type { ObjectSource } from './object-reader.js';
import type { PackInfo, PackObjectType } from './pack-file.js';
import { indexSpooledPack, type LocalObjects } from './pack-indexer.js';
import type { PackLimits } from './pack-limits.js';
import { receivePack, type PackInput } from './pack-receive.js';
import { memorySpool, type PackSpool } from './pack-spool.js';
import { isMissingFile, storeFsOps, type StoreFsOps } from './store-fs.js';

/** A pack kept under objects/pack. */
export interface Published {
  /** File name, `pack-<checksum>.pack`. */
  name: string;
  oids: Set<string>;
  completed: number;
  withdraw(): Promise<void>;
}

/** A received pack waiting in its staging folder, its trailer checked. */
export interface StagedPack {
  info: PackInfo;
  /** Removes the spool and the staging folder (also after publishing). */
  discard(): Promise<void>;
  /** @internal */
  readonly spool: PackSpool;
  /** @internal */
  readonly staging: string;
}

/**
 * Receives the pack from `input` into a spool in a fresh staging folder
 * under objects/ and checks its size and trailer (see `receivePack`). On
 * failure nothing is left behind.
 *
 * @example const staged = await stagePack(store, chunks, 'x.bundle', limits);
 */
export async function stagePack(repo: ObjectSource, input: PackInput, source: string, limits: PackLimits): Promise<StagedPack> {
  const ops = storeFsOps(repo.fs);
  const staging = `${repo.gitdir}/objects/tmp_objdir-stella-${hexEncode(crypto.getRandomValues(new Uint8Array(6)))}`;
  await ops.mkdir(staging);
  let spool: PackSpool | undefined;
  const discard = async (): Promise<void> => {
    await spool?.discard();
    await removeFolder(ops, staging);
  };
  try {
    spool = await (limits.spool ?? memorySpool)({ dir: staging, ops });
    const info = await receivePack(input, spool, limits, source);
    return { info, spool, staging, discard };
  } catch (error) {
    await discard();
    throw error;
  }
}

/**
 * Indexes a staged pack (held to `limits`, completed if thin) and renames
 * pack and index into objects/pack — pack first, since readers look for
 * the index. Discards the staging folder either way.
 *
 * @example const { oids, withdraw } = await publishPack(store, staged, 'fetch', limits);
 */
export async function publishPack(repo: ObjectSource, staged: StagedPack, source: string, limits: PackLimits): Promise<Published> {
  const ops = storeFsOps(repo.fs);
  try {
    const indexed = await indexSpooledPack(staged.spool, limits, source, localObjects(repo));
    const name = `pack-${indexed.checksum}`;
    const packDir = `${repo.gitdir}/objects/pack`;
    await ops.mkdir(packDir).catch(() => undefined);
    const existing = new Set(await ops.readdir(packDir));
    const alreadyPresent = existing.has(`${name}.pack`) && existing.has(`${name}.idx`);
    const withdraw = async (): Promise<void> => {
      if (alreadyPresent) return;
      await ops.unlink(`${packDir}/${name}.idx`).catch(() => undefined);
      await ops.unlink(`${packDir}/${name}.pack`).catch(() => undefined);
      // The reader may hold the pack open: its objects must not outlive it.
      await repo.objects?.close();
    };
    if (!alreadyPresent) {
      await ops.writeFile(`${staged.staging}/incoming.idx`, indexed.idx);
      try {
        await staged.spool.publish(`${packDir}/${name}.pack`);
        await ops.rename(`${staged.staging}/incoming.idx`, `${packDir}/${name}.idx`);
      } catch (error) {
        await withdraw();
        throw error;
      }
    }
    return { name: `${name}.pack`, oids: new Set(indexed.oids), completed: indexed.completed, withdraw };
  } finally {
    await staged.discard();
  }
}

/**
 * `stagePack` and `publishPack` in one step (a fetch).
 *
 * @example const { oids, withdraw } = await storePack(store, pack, 'fetch', limits);
 */
export async function storePack(repo: ObjectSource, input: PackInput, source: string, limits: PackLimits): Promise<Published> {
  return publishPack(repo, await stagePack(repo, input, source, limits), source, limits);
}

function localObjects(repo: ObjectSource): LocalObjects {
  return async (oid) => {
    if (repo.objects !== undefined) {
      const stored = await repo.objects.read(oid).catch(() => undefined);
      return stored === undefined ? undefined : { type: stored.type as PackObjectType, content: stored.data };
    }
    const object = await git.readObject({ fs: repo.fs, gitdir: repo.gitdir, oid, format: 'content', cache: repo.cache }).catch(() => undefined);
    return object === undefined ? undefined : { type: object.type as PackObjectType, content: object.object as Uint8Array };
  };
}

async function removeFolder(ops: StoreFsOps, folder: string): Promise<void> {
  const names = await ops.readdir(folder).catch((error: unknown) => {
    if (isMissingFile(error)) return [];
    throw error;
  });
  for (const name of names) await ops.unlink(`${folder}/${name}`);
  await ops.rmdir(folder).catch((error: unknown) => {
    if (!isMissingFile(error)) throw error;
  });
}
