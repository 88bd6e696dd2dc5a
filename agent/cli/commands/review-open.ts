/**
 * `stella review open`: propose this node's findings for `main` — open a pull
 * request from `agents/<node>` (or update the one already open) whose
 * description is the findings review. The review covers what the pull request
 * will merge: from the merge base of the two branches to the agent branch,
 * as the forge's own diff does, so reports other nodes merged meanwhile do
 * not show up as removed.
 */
import type { Command } from 'commander';
import { StellaError } from '../../../core/errors.js';
import { agentBranch } from '../../../core/report/layout.js';
import { renderReviewMarkdown, type ReviewEntry } from '../../../core/report/review.js';
import { reviewRange } from '../../../core/report/review-range.js';
import { fitBody } from '../../forge/body.js';
import { forgeEntry, FORGE_NAMES } from '../../forge/registry.js';
import { toolVersion } from '../../package-root.js';
import type { StateRepo } from '../../repo/state-repo.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';
import { findForgeToken, FORGE_TOKEN_ENV, locateForgeRepository } from '../forge-target.js';

interface OpenOptions {
  base: string;
  forge: string;
  repoSlug?: string;
  apiUrl?: string;
  node?: string;
  print?: boolean;
}

/** What the command reads from and writes to; tests pass their own. */
export interface ReviewOpenIo {
  env?: NodeJS.ProcessEnv;
  write?: (text: string) => void;
  fetch?: typeof fetch;
}

/**
 * Registers `open` under the `review` command.
 *
 * @example
 *   const review = program.command('review');
 *   registerReviewOpen(review, setResult);
 *   // stella review open --base main --repo-slug acme/state
 */
export function registerReviewOpen(review: Command, setResult: SetResult, io: ReviewOpenIo = {}): void {
  review
    .command('open')
    .description("open, or update, the pull request of this node's branch agents/<node>, described by its findings review")
    .option('--base <branch>', 'branch the pull request merges into', 'main')
    .option('--forge <name>', `forge API (${FORGE_NAMES.join(', ')})`, 'github')
    .option('--repo-slug <owner/name>', "repository on the forge (default: from the clone's origin URL)")
    .option('--api-url <url>', 'API base URL (default: https://api.github.com for github.com; GitHub Enterprise: https://HOST/api/v3)')
    .option('--node <name>', "this node (default: $STELLA_NODE, the repository's node (stella config set node), config, host name)")
    .option('--print', 'print what would be sent and send nothing (needs no token)')
    .addHelpText(
      'after',
      `\nToken: $${FORGE_TOKEN_ENV}, else $GITHUB_TOKEN; it needs "Pull requests: write" (or the classic "repo" scope).\n` +
        'Push the branch first (stella push). Prints the pull request URL.\n' +
        'Example: stella review open --node edge-1 --base main',
    )
    .action(async (options: OpenOptions, command: Command) => {
      const ctx = CommandContext.of(command);
      const env = io.env ?? process.env;
      const write = io.write ?? ((text: string) => void process.stdout.write(text));
      const entry = forgeEntry(options.forge);
      const node = await ctx.node(options.node);
      const repo = await ctx.openRepo();
      const head = agentBranch(node);
      const headCommit = await branchCommit(repo, head, '; record a report first (stella scan --commit)');
      const baseCommit = await branchCommit(repo, options.base, '');
      const since = await mergeBase(repo, baseCommit, headCommit);
      const entries = await reviewRange(repo.store, since, headCommit);
      const { repository, apiUrl } = await locateForgeRepository(repo, entry, options);
      const title = reviewTitle(node, entries);
      const footer = `_Cut to fit the forge's limit; the full review: \`stella review summary ${since?.slice(0, 12) ?? options.base}..${head}\`._`;
      const body = fitBody(renderReviewMarkdown(entries), entry.maxBodyLength, footer);

      if (options.print === true) {
        write(
          `forge:      ${entry.name}\napi:        ${apiUrl}\nrepository: ${repository}\n` +
            `request:    open or update the pull request ${head} → ${options.base}\ntitle:      ${title}\n\n${body}`,
        );
        setResult({ exitCode: ExitCode.ok });
        return;
      }
      const { token, source } = findForgeToken(env, entry, repository);
      const forge = entry.create({ token, tokenSource: source, repository, apiUrl, userAgent: `stella-mesh/${toolVersion()}`, fetch: io.fetch });
      const result = await forge.openOrUpdatePullRequest({ head, base: options.base, title, body });
      const what = result.created ? 'opened' : result.updated ? 'updated' : 'already up to date:';
      ctx.log.info(`${what} pull request #${result.number} ${head} → ${options.base} on ${repository}: ${title}`, { ...result, repository, head, base: options.base });
      write(`${result.url}\n`);
      setResult({ exitCode: ExitCode.ok });
    });
}

/**
 * The pull request title: the node and how many findings it changes.
 *
 * @example reviewTitle('edge-1', entries) // 'Stella findings from edge-1: 12 changed (9 new, 2 fixed, 1 updated)'
 */
export function reviewTitle(node: string, entries: readonly ReviewEntry[]): string {
  let added = 0;
  let fixed = 0;
  let changed = 0;
  for (const { diff } of entries) {
    added += diff.added.length;
    fixed += diff.fixed.length;
    changed += diff.changed.length;
  }
  const total = added + fixed + changed;
  if (total === 0) return `Stella findings from ${node}: no findings changed`;
  return `Stella findings from ${node}: ${total} changed (${added} new, ${fixed} fixed, ${changed} updated)`;
}

/** A local branch, else its remote-tracking copy (a CI checkout may have only that). */
async function branchCommit(repo: StateRepo, branch: string, hint: string): Promise<string> {
  const commit = (await repo.store.branchTip(branch)) ?? (await repo.store.resolve(`origin/${branch}`));
  if (commit === undefined) throw new StellaError('NOT_FOUND', `${repo.dir}: no branch ${branch} (nor origin/${branch})${hint}`);
  return commit;
}

async function mergeBase(repo: StateRepo, base: string, head: string): Promise<string | undefined> {
  return (await repo.store.mergeBases(base, head))[0];
}
