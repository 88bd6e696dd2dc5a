import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

/** Just enough of a terminal stream: what was written, and its width. */
function fakeTerminal(): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { columns: 40, write: (text: string) => written.push(text) > 0 };
  return { stream: stream as Partial<NodeJS.WriteStream> as NodeJS.WriteStream, written };
}

describe('createProgress', () => {
  it('throttles redraws of one step but always shows a new step', () => {
    const { stream, written } = fakeTerminal();
    const progress = createProgress(stream, true);
    progress.update({ done: 1, total: 4, what: 'reading npm/all.zip' });
    progress.update({ done: 2, total: 4, what: 'reading npm/all.zip' });
    progress.update({ done: 0, what: 'merging 170 records into the feed shards' });
    expect(written).toEqual(['\r\x1b[2Kreading npm/all.zip 25%', '\r\x1b[2Kmerging 170 records into the feed shard']);
    progress.done();
    expect(written.at(-1)).toBe('\r\x1b[2K');
  });

  it('writes nothing when the stream is not a terminal', () => {
    const { stream, written } = fakeTerminal();
    const progress = createProgress(stream, false);
    progress.update({ done: 0, what: 'x' });
    progress.done();
    expect(written).toEqual([]);
  });
});
