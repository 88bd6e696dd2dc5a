/**
 * Exit codes and the result a command hands back to `run()`. Kept apart from
 * context.ts so the entry point can name them without loading a command's
 * dependencies (Git, LevelDB, YAML): `stella --version` must start fast.
 *
 * @example setResult({ exitCode: ExitCode.ok });
 */
/** The fixed exit codes; `stella scan --exit-code N` adds its own N. */
export const ExitCode = { ok: 0, verifyFailed: 1, error: 2 } as const;

/** What a command's action reports back to `run()`. */
export interface CommandResult {
  exitCode: number;
}

/** The callback each command's action calls once with its result. */
export type SetResult = (result: CommandResult) => void;
