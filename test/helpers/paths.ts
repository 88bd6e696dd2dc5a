/**
 * Where tests find the project, the shared data, and cached build products.
 * Shared data sits beside the checkout (`../shared`), as on CI; set
 * STELLA_SHARED to point elsewhere.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedRoot = resolve(process.env['STELLA_SHARED'] ?? join(projectRoot, '..', 'shared'));
export const sharedData = join(sharedRoot, 'data');
export const sharedTools = join(sharedRoot, 'tools');
/** Build products reused between test runs (images, hostile inputs). Git-ignored. */
export const cacheRoot = resolve(process.env['STELLA_TEST_CACHE'] ?? join(projectRoot, '.cache'));
export const imagesDir = join(cacheRoot, 'images');
export const hostileDir = join(cacheRoot, 'hostile');

export function requireShared(): void {
  if (!existsSync(sharedData)) {
    throw new Error(`shared data not found at ${sharedData}; set STELLA_SHARED to the shared folder`);
  }
}
