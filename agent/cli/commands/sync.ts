/**
 * `stella sync export|import`: the state repository over an air gap, as git
 * bundles that native git reads and writes too (`git clone FILE`, `git fetch
 * FILE`, `git bundle create`).
 */
import type { Command } from 'commander';
import { exportBundle } from '../../sync/export.js';
import { importBundleFile } from '../../sync/import.js';
import type { SyncProgress } from '../../sync/import.js';
import { isSeedTarget, seedFromBundle } from '../../sync/seed.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';
import { createProgress } from '../progress.js';

/** `--as-remote` puts branches under refs/remotes/bundle/*, as `git fetch FILE 'refs/heads/*:refs/remotes/bundle/*'` would. */
const REMOTE = 'bundle';

/**
 * Adds `sync export` and `sync import` to the program.
 * @example registerSync(program, setResult);
 */
export function registerSync(program: Command, setResult: SetResult): void {
  const sync = program.command('sync').description('move the state repository between machines as git bundle files');
  sync
    .command('export')
    .description('write every branch to a git bundle: the whole history, or only what is new since a commit or an earlier bundle')
    .requiredOption('-o, --output <file>', 'bundle file to write (written to a temporary file, then renamed)')
    .option('--since <ref-or-bundle>', 'leave out what this ref or commit, or the refs of this earlier bundle file, already contain')
    .addHelpText(
      'after',
      '\nThe file is a v2 git bundle: `git bundle verify`, `git clone FILE dir` and `git fetch FILE` read it.' +
        '\nWith --since, the receiver must already have the commits listed as prerequisites.' +
        '\n\nExamples:\n  stella sync export -o state.bundle\n  stella sync export --since state.bundle -o next.bundle\n  stella sync export --since main~5 -o last-five.bundle',
    )
    .action(async (options: { output: string; since?: string }, command: Command) => {
      const ctx = CommandContext.of(command);
      const repo = await ctx.openRepo();
      const summary = await withProgress(ctx, (onProgress) => exportBundle(repo, { output: options.output, ...(options.since === undefined ? {} : { since: options.since }), onProgress }));
      for (const name of summary.omitted) ctx.log.info(`${name}: nothing new since --since, left out`, { ref: name });
      const { commits, trees, blobs } = summary.counts;
      ctx.log.info(
        `wrote ${summary.file}: ${summary.refs.length} refs, ${commits} commits, ${trees} trees, ${blobs} blobs, ` +
          `${summary.prerequisites.length} prerequisites, ${summary.bytes} bytes in ${Math.round(summary.ms)} ms`,
        { file: summary.file, refs: summary.refs, prerequisites: summary.prerequisites, bytes: summary.bytes, ...summary.counts },
      );
      setResult({ exitCode: ExitCode.ok });
    });
  sync
    .command('import')
    .description('import a git bundle (from `stella sync export` or `git bundle create`): objects, then branches fast-forward')
    .argument('<file>', 'bundle file')
    .option('--force', 'move branches and tags even when the local commits are not in the bundle (they would be lost)')
    .option('--as-remote', `write branches to refs/remotes/${REMOTE}/* instead of refs/heads/* (like a fetch; nothing local moves)`)
    .addHelpText(
      'after',
      '\nA branch that the bundle would move backwards or sideways is refused (exit code 2) unless --force; the other refs are still updated.' +
        '\nRefs with unsafe names (.., control characters, @{, .lock, …) and refs outside refs/heads and refs/tags are skipped with a warning.' +
        '\nA damaged bundle or missing prerequisites change nothing.' +
        '\nEvery ref passes the admission check first (signatures, feeds, clean trees, only main and agents/<node>): one refusal and nothing moves.' +
        '\nWith --repo naming an empty or missing folder, the bundle seeds a new site there (its main becomes the trust anchor).',
    )
    .action(async (file: string, options: { force?: boolean; asRemote?: boolean }, command: Command) => {
      const ctx = CommandContext.of(command);
      const path = await ctx.repoPath();
      // An empty or missing --repo folder is a new site: the bundle seeds it.
      const seed = await isSeedTarget(path);
      const repo = seed ? undefined : await ctx.openRepo();
      const summary = await withProgress(ctx, (onProgress) =>
        repo === undefined
          ? seedFromBundle(path, file, onProgress)
          : importBundleFile(repo, file, {
              ...(options.force === true ? { force: true } : {}),
              ...(options.asRemote === true ? { asRemote: REMOTE } : {}),
              onProgress,
            }),
      );
      for (const skip of summary.skipped) ctx.log.warn(`${file}: ref ${skip.name} skipped: ${skip.reason}`, { ref: skip.name, reason: skip.reason });
      for (const update of summary.updates) {
        const fields = { ref: update.ref, status: update.status, oid: update.oid, previous: update.previous };
        if (update.status === 'refused') ctx.log.error(`${update.ref}: refused: ${update.reason ?? ''}`, fields);
        else ctx.log.info(`${update.ref}: ${update.status}${update.previous === undefined || update.status === 'unchanged' ? '' : ` ${update.previous.slice(0, 12)} →`} ${update.oid.slice(0, 12)}`, fields);
      }
      for (const path of summary.worktree?.leftAlone ?? []) ctx.log.warn(`${path}: edited locally, left as it is in the work tree`, { path });
      const refused = summary.updates.filter((u) => u.status === 'refused').length;
      ctx.log.info(
        `imported ${file}: ${summary.objects} objects${summary.completedFromLocal > 0 ? ` (thin pack completed with ${summary.completedFromLocal} local objects)` : ''}, ` +
          `${summary.updates.length - refused} refs ok, ${refused} refused, ${summary.skipped.length} skipped`,
        { objects: summary.objects, pack: summary.pack, refused, skipped: summary.skipped.length },
      );
      setResult({ exitCode: refused > 0 ? ExitCode.error : ExitCode.ok });
    });
}

/**
 * Runs `work` with its steps shown on one line redrawn in place on a terminal
 * (as scan and feed import show theirs), nothing otherwise, and each step
 * logged at debug level; the line is cleared before the summary is logged.
 */
async function withProgress<T>(ctx: CommandContext, work: (onProgress: SyncProgress) => Promise<T>): Promise<T> {
  const progress = createProgress();
  try {
    return await work((event) => {
      ctx.log.debug(event.what, { ...event });
      progress.update(event);
    });
  } finally {
    progress.done();
  }
}
