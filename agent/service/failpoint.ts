/**
 * Failpoints for the agent's crash tests — TEST-ONLY. When the environment
 * variable STELLA_FAILPOINT names a point, the process SIGKILLs itself the
 * moment it reaches it (as `kill -9` from outside would, but at an exact
 * step). Never set it in production; an unknown name is simply never hit.
 *
 * Points: `scan:mid-read` (a layer is being read), `scan:before-commit`
 * (scanned, not committed), `commit:before-ref` (commit objects written,
 * branch not moved), `commit:after-ref` (branch moved, job not yet marked
 * done), `push:before`, `push:after` (pushed, job not yet marked done).
 * `worker:hold` is not a crash: the worker takes no job (tests of a full
 * queue).
 *
 * @example failpoint('commit:after-ref');
 */
const ARMED = process.env['STELLA_FAILPOINT'];

/** The names above, checked by the compiler where they are used. */
export type FailpointName = 'scan:mid-read' | 'scan:before-commit' | 'commit:before-ref' | 'commit:after-ref' | 'push:before' | 'push:after' | 'worker:hold';

/** Kills this process with SIGKILL if STELLA_FAILPOINT names `name`. */
export function failpoint(name: FailpointName): void {
  if (ARMED === name) process.kill(process.pid, 'SIGKILL');
}

/** True when STELLA_FAILPOINT names `name` (for points that change behaviour instead of killing). */
export function failpointArmed(name: FailpointName): boolean {
  return ARMED === name;
}
