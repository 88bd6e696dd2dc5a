/**
 * What kind of target a path is, decided by its content, never its name:
 *
 * - a folder with `oci-layout` and `index.json` → OCI layout; another folder
 *   → root filesystem (it has `etc/os-release`, `usr/lib/os-release` or
 *   `var/lib/dpkg`) or else project folder;
 * - a file starting with the gzip magic → rootfs tar (compressed);
 * - a tar (first header's checksum valid) whose members include
 *   `manifest.json` → docker archive; `oci-layout` and `index.json` → OCI
 *   archive; else → rootfs tar;
 * - anything else → UNSUPPORTED_TARGET (SBOMs are recognised before this, by agent/scan).
 *
 * @example
 *   const target = await detectTarget('/tmp/app.tar', 'app.tar', limits);
 *   if (target.kind === 'docker-archive') target.index.members.get('manifest.json');
 */
import type { Stats } from 'node:fs';
import { lstat, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StellaError } from '../../core/errors.js';
import type { Limits } from './limits.js';
import { BLOCK, decodeHeader } from '../../core/archive/tar/header.js';
import { indexTar } from './tar-index.js';
import type { ArchiveIndex } from './tar-index.js';

/** A target and what is needed to read it (an outer archive is already indexed). */
export type DetectedTarget =
  | { kind: 'oci-layout'; dir: string }
  | { kind: 'rootfs-dir' | 'project-dir'; dir: string }
  | { kind: 'docker-archive' | 'oci-archive'; index: ArchiveIndex }
  | { kind: 'rootfs-tar'; file: string; size: number };

const ROOTFS_MARKERS = ['etc/os-release', 'usr/lib/os-release', 'var/lib/dpkg'];

/** Decides the kind of the target at `path` (see the module comment); `input` names it in errors. */
export async function detectTarget(path: string, input: string, limits: Limits): Promise<DetectedTarget> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new StellaError('NOT_FOUND', `${path}: no such file or folder`);
    throw new StellaError('NOT_FOUND', `${path}: cannot be read (${code ?? 'error'})`);
  }
  if (info.isDirectory()) {
    if ((await isFile(join(path, 'oci-layout'))) && (await isFile(join(path, 'index.json')))) return { kind: 'oci-layout', dir: path };
    for (const marker of ROOTFS_MARKERS) {
      if (await exists(join(path, marker))) return { kind: 'rootfs-dir', dir: path };
    }
    return { kind: 'project-dir', dir: path };
  }
  if (!info.isFile()) throw new StellaError('UNSUPPORTED_TARGET', `${input}: not a regular file or folder`);
  const head = await readHead(path);
  if (head[0] === 0x1f && head[1] === 0x8b) return { kind: 'rootfs-tar', file: path, size: info.size };
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) {
    throw new StellaError('UNSUPPORTED_TARGET', `${input}: zstd-compressed archives are not supported; decompress it first`);
  }
  if (!looksLikeTar(head, input)) {
    throw new StellaError('UNSUPPORTED_TARGET', `${input}: not a container image, filesystem, project folder or CycloneDX/SPDX SBOM`);
  }
  const index = await indexTar(path, input, limits);
  if (index.members.has('manifest.json')) return { kind: 'docker-archive', index };
  if (index.members.has('oci-layout') && index.members.has('index.json')) return { kind: 'oci-archive', index };
  return { kind: 'rootfs-tar', file: path, size: info.size };
}

/** A first block that is a valid tar header, or the zero block of an empty tar. */
function looksLikeTar(head: Buffer, input: string): boolean {
  if (head.length < BLOCK) return false;
  try {
    decodeHeader(head, 0, input);
    return true;
  } catch {
    return false;
  }
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(BLOCK);
    const { bytesRead } = await handle.read(buffer, 0, BLOCK, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
