/**
 * The forge adapter contract: how Stella turns a node's agent branch into a
 * pull request (GitHub), merge request (GitLab) or pull request (Gitea) whose
 * description is the findings review. One interface, one file per forge
 * (`github.ts`, later `gitlab.ts`, `gitea.ts`), listed in `registry.ts`.
 *
 * Adapters speak HTTP with the Web-standard `fetch` only (no `node:`
 * imports), so the same code can run in the edge Worker. They never retry a
 * rate-limited or failed request on their own: the agent runs again on its
 * next schedule, and spinning against a limit gets an integration banned.
 * Every failure is a StellaError whose message names the forge and the
 * repository and never contains the token (`errors.ts`).
 *
 * @example
 *   const forge: Forge = createForge('github', { token, repository: 'acme/state' });
 *   const pr = await forge.openOrUpdatePullRequest({ head: 'agents/edge-1', base: 'main', title, body });
 *   console.log(pr.created ? `opened ${pr.url}` : `updated ${pr.url}`);
 */

/** Forges with an adapter. A new adapter adds its name here and its factory to `registry.ts`. */
export type ForgeName = 'github';

/** What to propose: always a branch of the forge repository itself, never a fork. */
export interface PullRequestRequest {
  /** Branch with the changes, e.g. `agents/edge-1`. It must already be pushed. */
  head: string;
  /** Branch to merge into, e.g. `main`. */
  base: string;
  /** One line. */
  title: string;
  /** Markdown, at most `Forge.maxBodyLength` characters (see `fitBody`). */
  body: string;
}

/** An open pull request as the forge reports it. */
export interface PullRequest {
  /** The number people use: GitHub/Gitea `number`, GitLab `iid` (not the global `id`). */
  number: number;
  /** Web page of the pull request, for people (`html_url`, GitLab `web_url`). */
  url: string;
  title: string;
  /** Description; empty when the forge has none. */
  body: string;
}

export interface PullRequestResult {
  number: number;
  url: string;
  /** True when this call opened the pull request; false when an open one for the same head and base existed. */
  created: boolean;
  /** True when an existing pull request's title or body was rewritten; false when created or already identical. */
  updated: boolean;
}

export interface Forge {
  readonly name: ForgeName;
  /** The repository on the forge, as people write it (`owner/name`; GitLab: `group/subgroup/name`). */
  readonly repository: string;
  /** API base URL requests go to (no trailing slash). */
  readonly apiUrl: string;
  /** Longest description the forge accepts, in JavaScript string length. */
  readonly maxBodyLength: number;

  /** The open pull request from `head` into `base` in this repository, if there is one. */
  findOpenPullRequest(head: string, base: string): Promise<PullRequest | undefined>;

  /**
   * Opens a pull request from `head` into `base`, or, when one is already
   * open, sets its title and body (untouched when they are already equal, so
   * re-running notifies nobody). Idempotent: running it twice leaves one
   * pull request.
   */
  openOrUpdatePullRequest(request: PullRequestRequest): Promise<PullRequestResult>;
}

/** What every adapter factory takes. */
export interface ForgeOptions {
  /** API token; held in a closure, never in a property, a message or a log line. */
  token: string;
  /** `owner/name` on the forge. */
  repository: string;
  /** API base URL; each adapter has a default for its public service. */
  apiUrl?: string;
  /** Where the token came from (e.g. `STELLA_FORGE_TOKEN`), named in error messages instead of the token. */
  tokenSource?: string;
  /** `User-Agent` sent with every request (GitHub rejects requests without one). */
  userAgent?: string;
  /** Per-request timeout in milliseconds (default 30 000). */
  timeoutMs?: number;
  /** Injected for tests and Workers; default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Clock in epoch milliseconds, for rate-limit messages ("resets in 12 min"). */
  now?: () => number;
}
