/**
 * Runs a shell script for a test's fixtures (`sh -ec`): large inputs come
 * from /dev/urandom and native git, never through the test process.
 *
 * @example const tip = (await shell(dir, 'git rev-parse HEAD')).trim();
 */
import { execFile } from 'node:child_process';

/** The script's stdout; rejects with the script and its stderr. */
export function shell(cwd: string, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-ec', script], { cwd, maxBuffer: 1 << 20 }, (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(`${script}: ${stderr}`))));
  });
}
