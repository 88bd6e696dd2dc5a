/**
 * One scan, start to finish: resolve the target to components (SBOM-first:
 * a given SBOM is the inventory; otherwise layers or files are read), match
 * them against the state repository's advisories, and assemble the report
 * and the CycloneDX SBOM. A `registry://` target is pulled (agent/registry);
 * with a scan cache, unchanged images and layers are not read again and the
 * target's inventory is kept for re-matching (rematch.ts). Nothing else is
 * written; committing is the caller's choice (`commit-report.ts`).
 *
 * @example
 *   const { report, sbom } = await scanTarget('app.oci.tar', { repo });
 */
import { open, readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { StellaError } from '../../core/errors.js';
import { builtinExtractors } from '../../core/extract/registry.js';
import type { ReportComponent, ReportTarget } from '../../core/model/report.js';
import type { ScanCache } from '../cache/scan-cache.js';
import { readRemoteImage, readTarget } from '../image/index.js';
import type { ReadTargetOptions, TargetInventory } from '../image/index.js';
import type { PullOptions } from '../registry/pull.js';
import { isRegistryTarget } from '../registry/reference.js';
import type { StateRepo } from '../repo/state-repo.js';
import type { VexDocument } from '../../core/vex/statement.js';
import type { ScanPolicy } from '../policy/for-scan.js';
import type { ResolvedInventory, ScanOutcome } from './assemble.js';
import type { RepoMatcher } from './match-repo.js';
import { looksLikeRegistryReference, registryReferenceError } from './registry-ref.js';

export type { ScanOutcome } from './assemble.js';

export interface ScanOptions {
  /**
   * State repository whose feeds to match against; without one, no findings are computed.
   * May still be opening (a promise, which may find none): the target is read meanwhile.
   */
  repo?: StateRepo | Promise<StateRepo | undefined>;
  /** Name for the target in the report, instead of the one found in the image or file name. */
  name?: string;
  onProgress?: (progress: { done: number; total?: number; what: string }) => void;
  /**
   * The scan cache (agent/cache): unchanged layers and images are answered
   * from it, and the target's inventory is kept there for re-matching
   * (`rematchCached`) under the target string as given.
   */
  cache?: ScanCache;
  /** For `registry://` targets: platform, hosts allowed over plain http, credentials. */
  registry?: PullOptions;
  /** VEX documents given on the command line (`--vex`), applied after the repository's `vex/`. May still be loading. */
  vex?: readonly VexDocument[] | Promise<readonly VexDocument[]>;
  /**
   * The policy to decide verdicts with (agent/policy/for-scan.ts), evaluated last, after VEX;
   * `none` for no verdicts. Default: the policy in force on the repository's main branch, so every
   * caller that commits reports (the CLI, a scheduled agent) decides them the same way.
   * May still be loading (a promise).
   */
  policy?: ScanPolicy | 'none' | Promise<ScanPolicy | 'none'>;
  /**
   * Opens the matcher instead of `openRepoMatcher` (the agent service answers a
   * warm rescan from matches it keeps per main commit); it must match as that would.
   */
  openMatcher?: (repo: StateRepo) => Promise<RepoMatcher>;
  /** Called once the target has been read (not when reading fails): the time to load what is given above as promises. */
  whenRead?: () => void;
  /** Aborting it stops reading the target and rejects the scan with `signal.reason`. */
  signal?: AbortSignal;
}

/** Scans `targetPath` (see the module comment); nothing is written but the cache's records. */
export async function scanTarget(targetPath: string, options: ScanOptions = {}): Promise<ScanOutcome> {
  // The target is read first, alone: the matcher, and the modules only the steps after reading need,
  // are loaded and opened once it has been read. Loaded while the layers inflate, they competed for
  // both cores with the inflating and the parsing: a cold scan of debian-node took about 65 ms
  // longer and 120 ms more CPU that way (medians of 11 runs side by side); loaded before the read,
  // they held the main thread while the other core idled.
  // A read that fails ends the scan with its error: nothing after it is loaded or opened.
  const reading = resolveInventory(targetPath, options);
  if (options.whenRead !== undefined) reading.then(options.whenRead, () => undefined);
  const assembling = reading.then(() => import('./assemble.js'));
  const deciding = reading.then(() => import('./decide.js'));
  const repoGiven = options.repo;
  // Handled here too: after a failed read (these then reject with its error), or while it goes on, a
  // module or an input still loading (repository, VEX, policy) that fails would otherwise reject
  // unhandled; each is awaited (and thrown) below when the scan gets that far.
  for (const loading of [assembling, deciding, Promise.resolve(repoGiven), Promise.resolve(options.vex), Promise.resolve(options.policy)]) loading.catch(() => undefined);
  const opening =
    repoGiven === undefined
      ? undefined
      : reading
          .then(() => Promise.all([import('./match-repo.js'), repoGiven]))
          .then(([{ openRepoMatcher }, repo]) => (repo === undefined ? undefined : (options.openMatcher ?? openRepoMatcher)(repo)));
  const [inventory, opened] = await Promise.allSettled([reading, opening]);
  const matcher: RepoMatcher | undefined = opened.status === 'fulfilled' ? opened.value : undefined;
  let outcome: ScanOutcome;
  let resolved: ResolvedInventory;
  try {
    if (inventory.status === 'rejected') throw inventory.reason;
    if (opened.status === 'rejected') throw opened.reason;
    resolved = inventory.value;
    const { assembleOutcome } = await assembling;
    if (matcher === undefined) {
      outcome = assembleOutcome(resolved, undefined);
    } else {
      options.onProgress?.({ done: 0, what: 'matching advisories' });
      outcome = assembleOutcome(resolved, await matcher.match(resolved.components));
    }
  } finally {
    await matcher?.close();
  }
  const { decideOutcome } = await deciding;
  const [repo, vex, policy] = await Promise.all([options.repo, options.vex, options.policy]);
  const decided = await decideOutcome(outcome, { ...(repo === undefined ? {} : { repo }), ...(vex === undefined ? {} : { vex }), ...(policy === undefined ? {} : { policy }) });
  if (options.cache !== undefined) {
    // The digest of the decided findings (VEX status and verdicts included): what a re-match compares
    // against, so a change of feeds, VEX or policy each shows as a change.
    const { findingsDigest } = await assembling;
    const findings = repo === undefined ? null : findingsDigest(decided.report.findings);
    await options.cache.putTarget(targetPath, { ...resolved, findings }, await outcome.sbom());
  }
  return decided;
}

/** Reads the target. */
async function resolveInventory(targetPath: string, options: ScanOptions): Promise<ResolvedInventory> {
  const { onProgress } = options;
  const readOptions: ReadTargetOptions = {
    extractors: builtinExtractors,
    ...(onProgress === undefined ? {} : { onProgress }),
    ...(options.cache === undefined ? {} : { cache: options.cache }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  if (isRegistryTarget(targetPath)) {
    const { openRegistryImage } = await import('../registry/pull.js');
    return fromInventory(await readRemoteImage(await openRegistryImage(targetPath, options.registry), readOptions), options);
  }
  const info = await stat(targetPath).catch(() => {
    throw looksLikeRegistryReference(targetPath) ? registryReferenceError(targetPath) : new StellaError('NOT_FOUND', `${targetPath}: no such file or folder`);
  });
  if (info.isFile() && (await looksLikeJson(targetPath))) {
    return readSbomTarget(targetPath, info.size, options);
  }
  return fromInventory(await readTarget(targetPath, readOptions), options);
}

async function fromInventory(inventory: TargetInventory, options: ScanOptions): Promise<ResolvedInventory> {
  const { buildComponents } = await import('./inventory.js');
  const { components, warnings } = buildComponents(inventory.packages, inventory.os);
  const target: ReportTarget = { kind: inventory.kind, name: options.name ?? inventory.name, digest: inventory.digest };
  if (inventory.os !== undefined) target.os = inventory.os;
  if (inventory.layers.length > 0) {
    target.layers = inventory.layers.map((layer) => (layer.digest === undefined ? { index: layer.index, diffId: layer.diffId } : { index: layer.index, diffId: layer.diffId, digest: layer.digest }));
  }
  return { target, components, warnings: [...inventory.warnings, ...warnings] };
}

/** SBOM-first: the SBOM's components are the inventory; nothing is unpacked. */
async function readSbomTarget(path: string, size: number, options: ScanOptions): Promise<ResolvedInventory> {
  const [{ readSbom, SBOM_LIMITS }, { parsePurl }, { sha256Hex }] = await Promise.all([import('../../core/sbom/read.js'), import('../../core/purl/index.js'), import('../../core/sign/encoding.js')]);
  // Checked before reading, so a huge file is refused without loading it.
  if (size > SBOM_LIMITS.maxBytes) throw new StellaError('LIMIT_EXCEEDED', `${path}: ${size} bytes is over the ${SBOM_LIMITS.maxBytes}-byte SBOM limit`);
  const bytes = await readFile(path);
  const sbom = readSbom(basename(path), bytes);
  const warnings = [...sbom.warnings];
  const components: ReportComponent[] = [];
  for (const entry of sbom.components) {
    const purl = parsePurl(entry.purl);
    components.push({ purl: entry.purl, name: entry.name, version: entry.version, type: purl.type, locations: [basename(path)] });
  }
  const target: ReportTarget = {
    kind: sbom.format === 'cyclonedx' ? 'cyclonedx-sbom' : 'spdx-sbom',
    name: options.name ?? sbom.name ?? basename(path),
    digest: `sha256:${await sha256Hex(bytes)}`,
  };
  return { target, components, warnings };
}

/** An SBOM is a JSON document; images, tars and folders never start with `{`. */
async function looksLikeJson(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(512);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    for (let i = 0; i < bytesRead; i++) {
      const byte = head[i] as number;
      if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0xef || byte === 0xbb || byte === 0xbf) continue;
      return byte === 0x7b;
    }
    return false;
  } finally {
    await handle.close();
  }
}
