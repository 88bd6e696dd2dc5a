/** `stella feed import FILE_OR_DIR...`: advisories (OSV, Debian tracker lists) and KEV/EPSS enrichment into the state repository. */
import type { Command } from 'commander';
import { StellaError } from '../../../core/errors.js';
import { parseManifest } from '../../../core/feeds/manifest.js';
import { OSV_MANIFEST_PATH } from '../../../core/feeds/osv/shard.js';
import { defaultConnectors } from '../../../core/feeds/registry.js';
import { importOsv } from '../../feeds/import-osv.js';
import { DEFAULT_OSV_BASE_URL, syncOsv } from '../../feeds/sync.js';
import { MAIN_BRANCH, type StateRepo } from '../../repo/state-repo.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';
import { createProgress } from '../progress.js';

/** Warnings printed one per line before the rest are only counted. */
const MAX_PRINTED_WARNINGS = 20;

export function registerFeed(program: Command, setResult: SetResult): void {
  const feed = program.command('feed').description('manage the advisory feeds mirrored in the state repository');
  feed
    .command('import')
    .description('import advisories (OSV, Debian security tracker lists) and enrichment (CISA KEV, FIRST EPSS) into the state repository, one signed commit')
    .argument('<paths...>', 'files or folders; each is recognised by its content, not its name')
    .addHelpText(
      'after',
      `\nRecognised inputs (files by content; folders and zips hold OSV records):\n${defaultConnectors.connectors.map((c) => `  ${c.name.padEnd(15)} ${c.description}`).join('\n')}\n` +
        'Importing the same data twice commits nothing. Malformed records are skipped and counted.\n' +
        'Examples:\n  stella feed import osv/npm/all.zip osv/Go/all.zip\n  stella feed import DSA/list DLA/list known_exploited_vulnerabilities.json epss_scores.csv',
    )
    .action(async (paths: string[], _options: unknown, command: Command) => {
      const ctx = CommandContext.of(command);
      const repo = await ctx.openRepo();
      const key = await ctx.signingKey(repo);
      const summary = await withProgress(ctx, (onProgress) => importOsv(repo, paths, { key, onProgress }));
      summary.warnings.slice(0, MAX_PRINTED_WARNINGS).forEach((warning) => ctx.log.warn(warning));
      if (summary.warnings.length > MAX_PRINTED_WARNINGS) ctx.log.warn(`… and ${summary.warnings.length - MAX_PRINTED_WARNINGS} more warnings`);
      const outcome = summary.commit === undefined ? 'nothing changed, no commit' : `committed ${summary.commit.slice(0, 12)}`;
      ctx.log.info(
        `read ${summary.read} records: ${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.skipped} skipped; ` +
          `${summary.shardsChanged} shards changed; feed holds ${summary.records} records; ${outcome}`,
        { ...summary, warnings: summary.warnings.length },
      );
      setResult({ exitCode: ExitCode.ok });
    });
  registerFeedSync(feed, setResult);
}

/**
 * Runs `work` with a progress callback that shows the current step on a
 * terminal (one line redrawn in place, as scan does), with the seconds it has
 * taken so far so a long zip never looks stuck, and logs each step at debug level.
 */
async function withProgress<T>(ctx: CommandContext, work: (onProgress: (message: string) => void) => Promise<T>): Promise<T> {
  const progress = createProgress();
  let step = '';
  let since = Date.now();
  const draw = (): void => progress.update({ done: 0, what: `${step} (${Math.floor((Date.now() - since) / 1000)} s)` });
  const ticker = process.stderr.isTTY === true ? setInterval(draw, 1000) : undefined;
  ticker?.unref();
  try {
    return await work((message) => {
      ctx.log.debug(message);
      step = message;
      since = Date.now();
      draw();
    });
  } finally {
    clearInterval(ticker);
    progress.done();
  }
}

/** Ecosystems already mirrored: the `<Ecosystem>/all.zip` sources in the feed manifest. */
async function mirroredEcosystems(repo: StateRepo): Promise<string[]> {
  const tip = await repo.store.branchTip(MAIN_BRANCH);
  const bytes = tip === undefined ? undefined : await repo.store.readFile(tip, OSV_MANIFEST_PATH);
  if (bytes === undefined) return [];
  return Object.keys(parseManifest(bytes, OSV_MANIFEST_PATH).sources)
    .filter((name) => name.endsWith('/all.zip'))
    .map((name) => name.slice(0, -'/all.zip'.length))
    .sort();
}

export function registerFeedSync(feed: Command, setResult: SetResult): void {
  feed
    .command('sync')
    .description("download osv.dev's bulk exports (<base>/<Ecosystem>/all.zip) when they changed, and import them in one commit")
    .argument('[ecosystems...]', 'OSV ecosystems to mirror (default: those already mirrored)')
    .option('--base-url <url>', `where the exports are (default: $STELLA_OSV_BASE_URL, else ${DEFAULT_OSV_BASE_URL})`)
    .addHelpText('after', '\nUnchanged exports cost one request (ETag / Last-Modified); interrupted downloads resume.')
    .action(async (ecosystems: string[], options: { baseUrl?: string }, command: Command) => {
      const ctx = CommandContext.of(command);
      const repo = await ctx.openRepo();
      const key = await ctx.signingKey(repo);
      const wanted = ecosystems.length > 0 ? ecosystems : await mirroredEcosystems(repo);
      if (wanted.length === 0) throw new StellaError('USAGE', 'no ecosystems to sync: name them, e.g. `stella feed sync npm PyPI`');
      const baseUrl = options.baseUrl ?? process.env['STELLA_OSV_BASE_URL'] ?? DEFAULT_OSV_BASE_URL;
      const result = await withProgress(ctx, (onProgress) => syncOsv(repo, { key, baseUrl, ecosystems: wanted, onProgress }));
      const summary = result.import;
      ctx.log.info(
        `synced ${wanted.length} ecosystems: ${result.fetched.length} changed${result.fetched.length > 0 ? ` (${result.fetched.join(', ')})` : ''}, ${result.unchanged.length} unchanged; ` +
          (summary === undefined ? 'nothing imported' : `${summary.added} added, ${summary.updated} updated; ${summary.commit === undefined ? 'no commit' : `committed ${summary.commit.slice(0, 12)}`}`),
        { fetched: result.fetched, unchanged: result.unchanged, commit: summary?.commit },
      );
      setResult({ exitCode: ExitCode.ok });
    });
}
