/**
 * The agent's one scan cache: opened on the first scan (LevelDB holds a
 * lock, so one handle per data dir for the life of the process), closed
 * when the service stops. Kept apart from run-scan.ts so closing does not
 * load the scan path into an agent that never scanned.
 *
 * @example
 *   const cache = await scanCacheFor(join(dataDir, 'cache'));
 *   await closeScanCaches();
 */
import type { ScanCache } from '../cache/scan-cache.js';

const open = new Map<string, Promise<ScanCache>>();

/** The cache in `dir`, opened once. */
export function scanCacheFor(dir: string): Promise<ScanCache> {
  let handle = open.get(dir);
  if (handle === undefined) {
    handle = import('../cache/scan-cache.js').then(({ ScanCache }) => ScanCache.open(dir));
    // A cache that failed to open is tried again by the next scan, not remembered.
    handle.catch(() => open.delete(dir));
    open.set(dir, handle);
  }
  return handle;
}

/** Closes every cache this process opened. */
export async function closeScanCaches(): Promise<void> {
  const handles = [...open.values()];
  open.clear();
  await Promise.allSettled(handles.map(async (handle) => (await handle).close()));
}
