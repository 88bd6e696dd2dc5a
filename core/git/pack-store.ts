/**
 * Keeping a received pack (from a bundle or a fetch): index it, complete it
 * when it is thin — append the whole delta bases it refers to from this
 * repository, as `git index-pack --fix-thin` does, so native git reads it
 * too — and publish pack and index under objects/pack. Web-standard: the
 * filesystem is the store's, hashing is Web Crypto.
 *
 * @example
 *   const published = await storePack(store, pack, objects, 'nightly.bundle');
 *   // later, if the import is abandoned: await published.withdraw();
 */
import git from 'isomorphic-git';
import { StellaError } from '../errors.js';
import { hexEncode } from '../sign/encoding.js';
import type { ObjectSource } from './object-reader.js';
import { checkPackLimits, type PackLimits } from './pack-limits.js';
import { appendWholeObjects, externalDeltaBases, parsePackIndex, type PackObjectType } from './pack-file.js';
import { isMissingFile, storeFsOps, type StoreFsOps } from './store-fs.js';

/** A pack kept under objects/pack. */
export interface Published {
  /** File name, `pack-<checksum>.pack`. */
  name: string;
  oids: Set<string>;
  completed: number;
  withdraw(): Promise<void>;
}

/**
 * Indexes the pack in a staging folder beside objects/pack (a thin pack is
 * completed with local bases and indexed again), then renames pack and
 * index into place — pack first, since readers look for the index.
 * `count` is the pack's object count (from `verifyPack`). Before anything
 * is written the pack's entries are held to `limits` (`checkPackLimits`):
 * the indexer would otherwise inflate whatever the sender declared.
 *
 * @example const { oids, withdraw } = await storePack(store, pack, (await verifyPack(pack, 'fetch')).objects, 'fetch', { inflate });
 */
export async function storePack(repo: ObjectSource, pack: Uint8Array, count: number, source: string, limits: PackLimits): Promise<Published> {
  checkPackLimits(pack, limits, source);
  const ops = storeFsOps(repo.fs);
  const staging = `${repo.gitdir}/objects/tmp_objdir-stella-${hexEncode(crypto.getRandomValues(new Uint8Array(6)))}`;
  await ops.mkdir(staging);
  try {
    let current = pack;
    let index = await indexStaged(repo, ops, staging, 'incoming', current, count, source);
    const bases = externalDeltaBases(current, index);
    if (bases.length > 0) {
      const objects = await Promise.all(bases.map((oid) => localObject(repo, oid, source)));
      current = await appendWholeObjects(current, objects);
      index = await indexStaged(repo, ops, staging, 'complete', current, count + bases.length, source);
    }
    const name = `pack-${hexEncode(current.subarray(current.length - 20))}`;
    const packDir = `${repo.gitdir}/objects/pack`;
    await ops.mkdir(packDir).catch(() => undefined);
    const existing = new Set(await ops.readdir(packDir));
    const alreadyPresent = existing.has(`${name}.pack`) && existing.has(`${name}.idx`);
    const file = index.file;
    const withdraw = async (): Promise<void> => {
      if (alreadyPresent) return;
      await ops.unlink(`${packDir}/${name}.idx`).catch(() => undefined);
      await ops.unlink(`${packDir}/${name}.pack`).catch(() => undefined);
    };
    if (!alreadyPresent) {
      try {
        await ops.rename(`${staging}/${file}.pack`, `${packDir}/${name}.pack`);
        await ops.rename(`${staging}/${file}.idx`, `${packDir}/${name}.idx`);
      } catch (error) {
        await withdraw();
        throw error;
      }
    }
    return { name: `${name}.pack`, oids: new Set(index.oids), completed: bases.length, withdraw };
  } finally {
    await removeFolder(ops, staging);
  }
}

async function indexStaged(
  repo: ObjectSource,
  ops: StoreFsOps,
  staging: string,
  file: string,
  pack: Uint8Array,
  expected: number,
  source: string,
): Promise<{ file: string; oids: string[]; offsets: number[] }> {
  await ops.writeFile(`${staging}/${file}.pack`, pack);
  try {
    // dir is the staging folder (where the pack is); gitdir the repository (where thin-pack bases are).
    await git.indexPack({ fs: repo.fs, dir: staging, gitdir: repo.gitdir, filepath: `${file}.pack`, cache: {} });
  } catch (cause) {
    throw new StellaError('REPO_INVALID', `${source}: the pack cannot be indexed: ${(cause as Error).message}`, { cause });
  }
  const index = parsePackIndex(await ops.readFile(`${staging}/${file}.idx`), `${source} (index)`);
  // indexPack drops objects it cannot resolve (a delta whose base is nowhere) instead of failing.
  if (index.oids.length !== expected) {
    throw new StellaError('REPO_INVALID', `${source}: only ${index.oids.length} of the pack's ${expected} objects could be resolved (a delta base is missing)`);
  }
  return { file, ...index };
}

async function localObject(repo: ObjectSource, oid: string, source: string): Promise<{ type: PackObjectType; content: Uint8Array }> {
  const object = await git.readObject({ fs: repo.fs, gitdir: repo.gitdir, oid, format: 'content', cache: repo.cache }).catch(() => undefined);
  if (object === undefined) {
    throw new StellaError('NOT_FOUND', `${source}: the thin pack needs object ${oid} as a delta base, and this repository does not have it`);
  }
  return { type: object.type as PackObjectType, content: object.object as Uint8Array };
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
