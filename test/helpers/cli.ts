/**
 * Runs the compiled `stella` (bin/stella.js → dist/cli/, built by the global
 * setup) as a user would: a child process, real files, exit code, stdout and
 * stderr kept apart.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from './paths.js';

/** What one run of the CLI gave back. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `stella ...args` in `cwd` with exactly `env` (pass what the test needs, not the caller's environment). */
export function runStella(args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd: string }): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(projectRoot, 'bin', 'stella.js'), ...args], { env: options.env, cwd: options.cwd, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A minimal environment for a CLI test: PATH and HOME, with STELLA_HOME and STELLA_CONFIG inside `root`. */
export function cliEnv(root: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'], HOME: root, STELLA_HOME: join(root, 'home'), STELLA_CONFIG: join(root, 'home', 'config.yaml'), ...extra };
}
