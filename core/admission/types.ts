/**
 * The shapes every admission step shares, at the bottom of the folder so
 * the steps and the top file that runs them all point down here.
 *
 * @example
 *   const move: RefMove = { ref: 'refs/heads/main', from: localTip, to: fetchedTip };
 */
import { StellaError } from '../errors.js';
import type { SignatureMemo } from '../sign/signature-memo.js';

/** A proposed move of a local ref: from `from` (absent: the ref is created) to `to`. */
export interface RefMove {
  /** Full ref name: `refs/heads/main`, `refs/heads/agents/<node>`, or the same under `refs/remotes/<remote>/`. */
  ref: string;
  from: string | undefined;
  to: string;
}

/** Which rule a refusal broke: stable names for programs, tests and the README. */
export type AdmissionRule =
  | 'ref-name'
  | 'main-onto-agent-tip'
  | 'tree-hygiene'
  | 'verify'
  | 'trust-chain'
  | 'agent-scope'
  | 'feed-rollback'
  | 'signed-deletion';

export interface AdmissionOptions {
  /**
   * The trust ref's commit T (normally local main). Agent branches are
   * judged against it; for a main move it defaults to `from`.
   */
  trust?: string | undefined;
  /** Tips of `agents/*` branches, local or arriving in the same operation: main is never moved onto one. */
  agentTips?: readonly string[];
  /** The time trust root expiry is judged at (default: now). */
  now?: Date;
  /** Prefix for messages, naming where the move comes from (`remote https://…`, `state.bundle`). */
  source?: string;
  /**
   * Signature checks that already passed under the same key (the edge
   * verified each report on arrival): the same check answered from memory,
   * never a weaker one (`core/sign/signature-memo.ts`).
   */
  signatures?: SignatureMemo;
  /** Awaited now and then while a change is verified, for a caller whose thread serves requests too (the edge). */
  pause?: () => Promise<void>;
}

/** What was admitted. */
export interface Admission {
  move: RefMove;
  branch: { $case: 'main' } | { $case: 'agent'; node: string };
  /** Commits the move brings that the old tip did not have. */
  newCommits: number;
}

/** Where a refusal is said to be: `<source> <ref> <short tip>`. */
export function label(move: RefMove, options: AdmissionOptions): string {
  const prefix = options.source === undefined ? '' : `${options.source} `;
  return `${prefix}${move.ref} ${move.to.slice(0, 12)}`;
}

/**
 * The one error an admission throws: VERIFY_FAILED, one line naming the
 * path and the rule, with both in `data` for programs.
 * @example throw refusal(move, options, 'tree-hygiene', 'nodes/x', 'is a symbolic link');
 */
export function refusal(move: RefMove, options: AdmissionOptions, rule: AdmissionRule, path: string, problem: string): StellaError {
  return new StellaError('VERIFY_FAILED', `${label(move, options)}: refused (${rule}): ${path}: ${problem}; nothing was changed`, {
    data: { reason: 'admission', rule, path, ref: move.ref, from: move.from, to: move.to },
  });
}
