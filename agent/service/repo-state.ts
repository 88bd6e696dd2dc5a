/**
 * What the agent watches in its state repository: whether it can be read,
 * whether the advisory index is loaded for main's feeds, and how old those
 * feeds are (the last commit on main that changed `feeds/`), and what on
 * main decides findings (feeds, VEX, policies, exceptions, settings).
 *
 * @example
 *   const state = new RepoWatch(repo);
 *   await state.refresh(); // after start-up and after every pull
 *   state.feedAgeSeconds(Date.now());
 */
import { describeError } from '../../core/errors.js';
import { MAIN_BRANCH, SETTINGS_PATH, type StateRepo } from '../repo/state-repo.js';
import type { Readiness } from './app.js';

/** Main's top-level entries whose change can change a target's decided findings. */
const DECISION_INPUTS = ['feeds', 'vex', 'policies', 'exceptions', SETTINGS_PATH];

/** History searched for the last feed change; older feeds count as that old at least. */
const FEED_SEARCH_DEPTH = 200;

/** See the module comment. */
export class RepoWatch {
  private indexError: string | undefined = 'not loaded yet';
  private feedTime: number | undefined;
  /** The tree id of main's `feeds/` at the last refresh: a change means new feeds arrived. */
  feedsTree: string | undefined;
  /** The ids of main's decision inputs at the last refresh (DECISION_INPUTS): a change means cached targets may decide differently. */
  decisionInputs: string | undefined;

  constructor(private readonly repo: StateRepo) {}

  /** Brings the advisory index up to main's feeds and finds the feeds' age. Never throws: failures show in readiness. */
  async refresh(): Promise<void> {
    try {
      const tip = await this.repo.store.branchTip(MAIN_BRANCH);
      if (tip === undefined) throw new Error(`no ${MAIN_BRANCH} branch`);
      // The scan path opens the index itself; it is only brought up to date (and closed) here.
      const { AdvisoryIndex } = await import('../index/advisory-index.js');
      const index = await AdvisoryIndex.open(this.repo.cacheDir);
      try {
        await index.update(this.repo.store, tip);
      } finally {
        await index.close();
      }
      this.feedTime = await this.lastFeedChange(tip);
      const top = await this.repo.store.listFolder(tip, '');
      this.feedsTree = top.find((e) => e.path === 'feeds')?.oid;
      this.decisionInputs = DECISION_INPUTS.map((name) => `${name}:${top.find((e) => e.path === name)?.oid ?? '-'}`).join(' ');
      this.indexError = undefined;
    } catch (error) {
      this.indexError = describeError(error);
    }
  }

  /** Seconds since main last changed feeds/, or undefined when no feed was ever imported. */
  feedAgeSeconds(nowMs: number): number | undefined {
    return this.feedTime === undefined ? undefined : Math.max(0, Math.round(nowMs / 1000 - this.feedTime));
  }

  /** /readyz: the index is loaded and main's settings can be read now. */
  async readiness(): Promise<Readiness> {
    const checks: Record<string, string> = { index: this.indexError ?? 'ok' };
    try {
      const tip = await this.repo.store.branchTip(MAIN_BRANCH);
      checks['stateRepo'] = tip !== undefined && (await this.repo.store.readFile(tip, SETTINGS_PATH)) !== undefined ? 'ok' : `no ${SETTINGS_PATH} on ${MAIN_BRANCH}`;
    } catch (error) {
      checks['stateRepo'] = describeError(error);
    }
    return { ready: Object.values(checks).every((v) => v === 'ok'), checks };
  }

  private async lastFeedChange(tip: string): Promise<number | undefined> {
    const feedsOf = async (oid: string): Promise<string | undefined> => (await this.repo.store.listFolder(oid, '')).find((e) => e.path === 'feeds')?.oid;
    let oid: string | undefined = tip;
    let info = await this.repo.store.readCommit(tip);
    const feeds = await feedsOf(tip);
    if (feeds === undefined) return undefined;
    for (let depth = 0; depth < FEED_SEARCH_DEPTH; depth++) {
      const parent: string | undefined = info.parents[0];
      if (parent === undefined || (await feedsOf(parent)) !== feeds) return info.time;
      oid = parent;
      info = await this.repo.store.readCommit(oid);
    }
    return info.time;
  }
}
