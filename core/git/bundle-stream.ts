/**
 * A bundle read as it arrives: its header (at most MAX_BUNDLE_HEADER_BYTES)
 * is collected and parsed, and the bytes after it are handed on as the pack,
 * piece by piece, so a large bundle is never held in memory.
 *
 * @example
 *   const { header, pack } = await splitBundle(fileChunks, 'nightly.bundle');
 *   await stagePack(store, pack, 'nightly.bundle', limits);
 */
import { MAX_BUNDLE_HEADER_BYTES, parseBundleHeader, type ParsedBundle } from './bundle-format.js';
import type { PackInput } from './pack-receive.js';

export interface SplitBundle {
  header: Omit<ParsedBundle, 'pack'>;
  /** The rest of the input: the pack. Read it once. */
  pack: AsyncIterable<Uint8Array>;
  /** Stops reading the input (closes a file early); safe after it was read to the end. */
  close(): Promise<void>;
}

/**
 * Parses the header at the start of `input` and returns the rest as the
 * pack. Throws what `parseBundleHeader` throws (not a bundle, malformed or
 * truncated header), LIMIT_EXCEEDED for a header past the limit.
 */
export async function splitBundle(input: PackInput, source: string): Promise<SplitBundle> {
  const iterator = (input instanceof Uint8Array ? once(input) : input)[Symbol.asyncIterator]();
  const parts: Uint8Array[] = [];
  let length = 0;
  let found = false;
  let last = 0;
  // Read until the blank line that ends the header, or past the header limit (parseBundleHeader then says which).
  while (!found && length <= MAX_BUNDLE_HEADER_BYTES) {
    const { done, value } = await iterator.next();
    if (done) break;
    for (let i = 0; i < value.length && !found; i++) {
      found = value[i] === 0x0a && last === 0x0a;
      last = value[i] as number;
    }
    parts.push(value);
    length += value.length;
  }
  const head = join(parts, length);
  const close = async (): Promise<void> => {
    await iterator.return?.();
  };
  let header: SplitBundle['header'];
  try {
    header = parseBundleHeader(head, source);
  } catch (error) {
    await close();
    throw error;
  }
  const first = head.subarray(header.packOffset);
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (first.length > 0) yield first;
    for (;;) {
      const { done, value } = await iterator.next();
      if (done) return;
      yield value;
    }
  }
  return { header, pack: rest(), close };
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

function join(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
