/**
 * Writing a file all at once or not at all: the bytes go to a temporary
 * sibling (same folder, so the rename cannot cross file systems), are
 * flushed, and the sibling is renamed over the target; on any failure it is
 * removed. Every command that writes a file a person named (`-o`, bundles,
 * kits) goes through here, so a failure names that file and says why in
 * words ("the folder … does not exist"), never the temporary name.
 *
 * @example
 *   await writeFileAtomically('report.json', text);
 *   await writeAtomically('state.bundle', async (handle) => handle.write(bytes));
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { StellaError } from '../../core/errors.js';

/** Options for {@link writeAtomically}. */
export interface AtomicWriteOptions {
  /** File mode of a new file (default 0o666 before the umask). */
  mode?: number;
}

/**
 * Runs `produce` on a temporary sibling of `file`, then renames it into place.
 * @example const size = await writeAtomically('kit.tar', (handle) => streamTo(handle));
 */
export async function writeAtomically<T>(file: string, produce: (handle: FileHandle) => Promise<T>, options: AtomicWriteOptions = {}): Promise<T> {
  const temp = join(dirname(resolve(file)), `.${basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', options.mode);
    let result: T;
    try {
      result = await produce(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    return result;
  } catch (error) {
    await rm(temp, { force: true });
    throw writeError(file, error);
  }
}

/**
 * Writes `data` (text as UTF-8, or byte chunks in order) to `file` atomically; returns the byte count.
 * @example await writeFileAtomically('-o target', '{"a":1}\n');
 */
export async function writeFileAtomically(file: string, data: string | Uint8Array | readonly Uint8Array[], options: AtomicWriteOptions = {}): Promise<number> {
  const chunks = typeof data === 'string' ? [new TextEncoder().encode(data)] : data instanceof Uint8Array ? [data] : data;
  return writeAtomically(
    file,
    async (handle) => {
      let bytes = 0;
      for (const chunk of chunks) {
        // A write may be partial; go on until the chunk is down.
        for (let done = 0; done < chunk.length; ) done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
        bytes += chunk.length;
      }
      return bytes;
    },
    options,
  );
}

/**
 * The system error of a failed write as a StellaError about `file` (the
 * person's path): Node's message would name the temporary file instead.
 * Errors that are already StellaErrors (from `produce`) pass through.
 */
function writeError(file: string, error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return error;
  const folder = dirname(resolve(file));
  const reasons: Record<string, string> = {
    ENOENT: `the folder ${folder} does not exist`,
    ENOTDIR: `${folder} is not a folder`,
    EISDIR: `${file} is a folder`,
    EBUSY: `${file} is in use (a mount point or a folder in use)`,
    EACCES: `permission denied in ${folder}`,
    EPERM: `permission denied in ${folder}`,
    EROFS: `${folder} is on a read-only file system`,
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
  };
  const reason = reasons[code] ?? `system error ${code}`;
  return new StellaError(code === 'ENOENT' || code === 'ENOTDIR' ? 'NOT_FOUND' : 'WRITE_FAILED', `cannot write ${file}: ${reason}`, { cause: error });
}
