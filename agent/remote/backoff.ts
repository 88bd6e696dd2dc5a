/**
 * Waiting between push attempts that lost a race: exponential, capped, with
 * jitter so that writers who collided once do not collide again in step.
 *
 * @example
 *   await sleep(backoffDelay(attempt, { baseMs: 100, capMs: 4000 }));
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * Delay before retry `attempt` (1 = the first retry): half of the exponential step fixed, half random.
 *
 * @example backoffDelay(3, { baseMs: 100, capMs: 4000 }) // 200–400
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const step = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  const random = options.random ?? Math.random;
  return Math.round(step / 2 + random() * (step / 2));
}

/** @example await sleep(250); */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
