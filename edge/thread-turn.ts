/**
 * Giving the thread back: in a Durable Object (and locally, where every
 * object shares one workerd thread) a long piece of work that never waits
 * for I/O holds every request behind it. Awaiting a resolved promise does
 * not help — microtasks run before any request — so this waits for a timer,
 * a macrotask: requests that arrived meanwhile run first.
 *
 * @example for (const item of items) { work(item); await threadTurn(); }
 */

/** Resolves on the next turn of the event loop, after pending requests and I/O. */
export function threadTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
