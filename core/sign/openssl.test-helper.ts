/**
 * Test-only: the OpenSSL CLI as an independent oracle for the signing tests.
 * Runs asynchronously (never execSync) in a fresh temp directory.
 * Uses node: APIs, so only *.test.ts files may import it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpensslResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `openssl …args` in `cwd`; resolves with the exit code instead of throwing. */
export function openssl(args: string[], cwd: string): Promise<OpensslResult> {
  return new Promise((resolve) => {
    execFile('openssl', args, { cwd, encoding: 'buffer', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout: stdout.toString('latin1'), stderr: stderr.toString('utf8') });
    });
  });
}

/** Runs `body` with a temp dir that holds `files`, then removes the dir. */
export async function withFiles<T>(files: Record<string, string | Uint8Array>, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'stella-sign-'));
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `openssl dgst -sha256 -verify` of the DER `signature` over `data`: code 0 and "Verified OK" when it accepts. */
export async function opensslVerifies(publicKeyPem: string, data: Uint8Array, signature: Uint8Array): Promise<OpensslResult> {
  return withFiles({ 'pub.pem': publicKeyPem, 'data.bin': data, 'sig.der': signature }, (dir) =>
    openssl(['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig.der', 'data.bin'], dir),
  );
}
