/**
 * The file name in a path as extractors see paths: slash-separated,
 * relative to the scanned root (never an OS path, so not `node:path`).
 * Every path of an image goes past every extractor's `fileRequired`, so
 * this allocates nothing but the name.
 *
 * @example
 *   basename('app/uv.lock'); // 'uv.lock'
 *   basename('uv.lock');     // 'uv.lock'
 */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
