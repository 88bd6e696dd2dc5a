/** `stella review summary A..B`: what changed in the findings between two commits, as Markdown. */
import type { Command } from 'commander';
import { StellaError } from '../../../core/errors.js';
import { renderReviewMarkdown } from '../../../core/report/review.js';
import { reviewRange } from '../../../core/report/review-range.js';
import type { StateRepo } from '../../repo/state-repo.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';
import { registerReviewOpen } from './review-open.js';

export function registerReview(program: Command, setResult: SetResult): void {
  const review = program.command('review').description('review findings as pull requests');
  review
    .command('summary')
    .description('print, as Markdown, the findings new / fixed / changed between two commits of the state repository')
    .argument('<range>', 'A..B (commits, branches or tags); a single B means its first parent..B')
    .addHelpText('after', '\nExample: stella review summary main..agents/edge-1')
    .action(async (range: string, _options: unknown, command: Command) => {
      const ctx = CommandContext.of(command);
      const repo = await ctx.openRepo();
      const [baseRef, headRef] = range.includes('..') ? range.split('..', 2) : [undefined, range];
      const head = await resolve(repo, headRef as string);
      const base = baseRef === undefined || baseRef === '' ? await firstParent(repo, head) : await resolve(repo, baseRef);
      const entries = await reviewRange(repo.store, base, head);
      process.stdout.write(renderReviewMarkdown(entries, `Stella findings review: ${range}`));
      setResult({ exitCode: ExitCode.ok });
    });
  registerReviewOpen(review, setResult);
}

async function resolve(repo: StateRepo, ref: string): Promise<string> {
  const named = await repo.store.resolve(ref).catch(() => undefined);
  if (named !== undefined) return named;
  try {
    return await repo.store.expandOid(ref);
  } catch {
    throw new StellaError('NOT_FOUND', `'${ref}' is not a branch, tag or commit of ${repo.dir}`);
  }
}

async function firstParent(repo: StateRepo, commit: string): Promise<string | undefined> {
  return (await repo.store.readCommit(commit)).parents[0];
}
