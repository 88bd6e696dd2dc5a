/**
 * Builds the real test inputs once per run and caches them under .cache/:
 * the container images from shared/tools/make-images.sh (about a minute,
 * needs root and Debian's apt) and the hostile corpus from make-hostile.py.
 * A cached build is reused when its SHA256SUMS / cases.json is present.
 * It installs the tools the tests use as oracles when they are missing
 * (scripts/install-test-tools.sh), so README's `npm ci && npm test` passes on
 * a fresh machine by itself, and it compiles the CLI into dist/ and bundles it (dist/cli/).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hostileDir, imagesDir, projectRoot, requireShared, sharedTools } from './paths.js';

const run = promisify(execFile);

export default async function setup(): Promise<void> {
  requireShared();
  // A test whose tool is missing fails with a message; none is skipped. Installing needs root.
  // apt's output shows as it goes: a first install takes minutes.
  const install = run('bash', [join(projectRoot, 'scripts', 'install-test-tools.sh')], { maxBuffer: 64 << 20 });
  install.child.stderr?.pipe(process.stderr);
  await install.catch(() => {
    throw new Error('installing the test tools failed (scripts/install-test-tools.sh; its output is above)');
  });
  // CLI tests run the compiled `stella` (bin/stella.js → dist/cli/, bundled from dist/): build both from
  // the sources under test, as `npm run build` does. STELLA_SKIP_BUILD=1 reuses an existing dist/ (e.g.
  // while iterating on one test file).
  if (process.env['STELLA_SKIP_BUILD'] !== '1') {
    await run(join(projectRoot, 'node_modules', '.bin', 'tsc'), ['-b', join(projectRoot, 'tsconfig.build.json')], { cwd: projectRoot });
    await run(process.execPath, [join(projectRoot, 'scripts', 'bundle-cli.mjs')], { cwd: projectRoot });
  }
  if (!existsSync(join(imagesDir, 'SHA256SUMS'))) {
    mkdirSync(imagesDir, { recursive: true });
    process.stderr.write(`building test images into ${imagesDir} (about a minute)\n`);
    await run('bash', [join(sharedTools, 'make-images.sh'), imagesDir], { maxBuffer: 64 << 20 });
  }
  if (!existsSync(join(hostileDir, 'cases.json'))) {
    mkdirSync(hostileDir, { recursive: true });
    await run('python3', [join(sharedTools, 'make-hostile.py'), hostileDir], { maxBuffer: 64 << 20 });
  }
}
