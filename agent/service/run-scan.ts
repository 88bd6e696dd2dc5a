/**
 * The one place the agent service runs a scan: the same `scanAndCommit` the
 * CLI's `stella scan [--commit]` uses, plus what a job needs on top — its
 * id as a commit trailer (so recovery after a crash finds it on the branch)
 * and the crash-test failpoints. Notifications go out from scanAndCommit,
 * the same as for the CLI.
 *
 * `cacheDir` is the data dir's scan cache (agent/cache): unchanged images and
 * layers are answered from it, and its layer hits and misses feed /metrics.
 *
 * @example
 *   const { outcome, committed } = await runScan('app.oci.tar', { commit: true, cacheDir, repo, signer, scanId });
 */
import { reportFolder } from '../../core/report/layout.js';
import type { SigningKey } from '../../core/sign/keys.js';
import type { ScanCache } from '../cache/scan-cache.js';
import type { NotifyAfterCommit } from '../notify/notify.js';
import type { StateRepo } from '../repo/state-repo.js';
import { scanAndCommit, type ScanAndCommitResult } from '../scan/scan-and-commit.js';
import { failpoint } from './failpoint.js';
import type { MainMemo } from './main-memo.js';
import { LAYER_CACHE } from './metrics.js';
import { scanCacheFor } from './scan-cache-handle.js';
import { REPORT_TRAILER, SCAN_ID_TRAILER } from './trailers.js';

export interface RunScanOptions {
  /** Sign and commit the report (needs `signer`). */
  commit: boolean;
  /** The layer cache folder (see the module comment). */
  cacheDir: string;
  repo: StateRepo;
  signer?: { node: string; key: SigningKey };
  /** The job's id, recorded in the commit. */
  scanId: string;
  /** Name of the target in the report. */
  name?: string;
  /** Notify stella.yaml's routes after a commit, as `stella scan --commit` does. */
  notify?: NotifyAfterCommit;
  /** Matches and the policy kept per commit of main (main-memo.ts). */
  memo?: MainMemo;
}

/**
 * Scans `target` (and commits its report when `options.commit`).
 * @example await runScan('/srv/images/web.oci.tar', { commit: false, cacheDir, repo, scanId })
 */
export async function runScan(target: string, options: RunScanOptions): Promise<ScanAndCommitResult> {
  let reading = false;
  const signer = options.commit ? options.signer : undefined;
  const cache = await scanCacheFor(options.cacheDir);
  const before = cache.stats();
  try {
    const main = options.memo === undefined ? {} : await options.memo.forScan();
    return await scanWith(target, options, signer, cache, main, () => {
      if (!reading) {
        reading = true;
        failpoint('scan:mid-read');
      }
    });
  } finally {
    const after = cache.stats();
    LAYER_CACHE.hits.inc(undefined, after.layerHits - before.layerHits);
    LAYER_CACHE.misses.inc(undefined, after.layerMisses - before.layerMisses);
  }
}

function scanWith(
  target: string,
  options: RunScanOptions,
  signer: RunScanOptions['signer'],
  cache: ScanCache,
  main: Awaited<ReturnType<MainMemo['forScan']>>,
  onRead: () => void,
): Promise<ScanAndCommitResult> {
  return scanAndCommit(target, {
    repo: options.repo,
    cache,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(signer === undefined ? {} : { signer }),
    ...(options.notify === undefined ? {} : { notify: options.notify }),
    ...main,
    onProgress: (progress) => {
      if (progress.what !== 'matching advisories') onRead();
    },
    beforeCommit: () => failpoint('scan:before-commit'),
    commit: (outcome) => ({
      trailers: { [SCAN_ID_TRAILER]: options.scanId, [REPORT_TRAILER]: reportFolder(signer?.node ?? '', outcome.report.target.name) },
      beforeRefUpdate: () => failpoint('commit:before-ref'),
    }),
  });
}
