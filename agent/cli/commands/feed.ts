/** `stella feed import FILE_OR_DIR...`: OSV advisories into the state repository. */
import type { Command } from 'commander';
import { importOsv } from '../../feeds/import-osv.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

/** Warnings printed one per line before the rest are only counted. */
const MAX_PRINTED_WARNINGS = 20;

export function registerFeed(program: Command, setResult: SetResult): void {
  const feed = program.command('feed').description('manage the advisory feeds mirrored in the state repository');
  feed
    .command('import')
    .description("import OSV advisories: osv.dev's bulk zips (<Ecosystem>/all.zip), folders of OSV JSON, or single files")
    .argument('<paths...>', 'zip files, folders or JSON files')
    .addHelpText('after', '\nImporting the same data twice commits nothing. Malformed records are skipped and counted.')
    .action(async (paths: string[], _options: unknown, command: Command) => {
      const ctx = CommandContext.of(command);
      const repo = await ctx.openRepo();
      const key = await ctx.signingKey(repo);
      const summary = await importOsv(repo, paths, { key, onProgress: (message) => ctx.log.debug(message) });
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
}
