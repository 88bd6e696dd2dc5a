/**
 * Matching components against the state repository's feeds: the advisory
 * index brought up to the main branch's feeds once, then any number of
 * component lists matched against it (one scan, or every cached target
 * when re-matching after a feed change).
 *
 * @example
 *   const matcher = await openRepoMatcher(repo);
 *   try { const result = await matcher.match(components); } finally { await matcher.close(); }
 */
import { StellaError } from '../../core/errors.js';
import { computeCoverage } from '../../core/match/coverage.js';
import { enrichFindings } from '../../core/match/enrich.js';
import { matchComponents } from '../../core/match/matcher.js';
import type { Finding, Report, ReportComponent } from '../../core/model/report.js';
import { AdvisoryIndex } from '../index/advisory-index.js';
import { MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';
import { memoMatch } from './memo-match.js';
import type { InventoryMatch } from './memo-match.js';
import { memoAdvisories } from './memo-source.js';

/** What matching one component list gives. */
export interface RepoMatch {
  findings: Finding[];
  warnings: string[];
  coverage: Report['coverage'];
  feed: Report['inputs']['feed'];
}

/** An open advisory index at the repository's current feeds. */
export interface RepoMatcher {
  /** The feed inputs every report of this matcher records. */
  feed: NonNullable<Report['inputs']['feed']>;
  match(components: ReportComponent[]): Promise<RepoMatch>;
  close(): Promise<void>;
}

/**
 * Opens the index and brings it to the main branch's feeds. `memo`: remember
 * each component's findings across `match` calls (re-matching many targets:
 * memo-match.ts, memo-source.ts).
 */
export async function openRepoMatcher(repo: StateRepo, options: { memo?: boolean } = {}): Promise<RepoMatcher> {
  const commit = await repo.store.branchTip(MAIN_BRANCH);
  if (commit === undefined) throw new StellaError('REPO_INVALID', `${repo.dir}: no ${MAIN_BRANCH} branch`);
  const feedsFolder = await repo.store.listFolder(commit, 'feeds');
  const feedTree = feedsFolder.find((entry) => entry.path === 'osv')?.oid;
  // The whole feeds/ tree: advisories, KEV and EPSS all shape the findings.
  const feedsTree = (await repo.store.listFolder(commit, '')).find((entry) => entry.path === 'feeds')?.oid;
  const warnings: string[] = [];
  if (feedTree === undefined) warnings.push('no advisories in the state repository yet: run `stella feed import` first');
  const index = await AdvisoryIndex.open(repo.cacheDir);
  try {
    await index.update(repo.store, commit);
  } catch (error) {
    await index.close();
    throw error;
  }
  const feed = { commit, tree: feedsTree ?? 'none' };
  const memo = options.memo === true ? memoMatch(memoAdvisories(index)) : undefined;
  return {
    feed,
    match: async (components) => {
      const matched = memo === undefined ? await matchOnce(components, index) : await memo(components);
      return { findings: matched.findings, warnings: [...warnings, ...matched.warnings], coverage: matched.coverage, feed };
    },
    close: () => index.close(),
  };
}

async function matchOnce(components: ReportComponent[], index: AdvisoryIndex): Promise<InventoryMatch> {
  const matched = await matchComponents(components, index);
  return { findings: await enrichFindings(matched.findings, index), warnings: matched.warnings, coverage: matched.coverage };
}

/** Coverage when nothing is matched: every component unchecked. */
export function unmatchedCoverage(components: ReportComponent[]): Report['coverage'] {
  return computeCoverage(components, new Map());
}
