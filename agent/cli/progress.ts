/**
 * A one-line progress display for long work, redrawn in place on a
 * terminal and silent otherwise (piped output stays clean).
 *
 * @example
 *   const progress = createProgress();
 *   progress.update({ done: 3, total: 4, what: 'layer 3/4' });
 *   progress.done();
 */
export interface ProgressEvent {
  done: number;
  total?: number;
  what: string;
}

export interface Progress {
  update(event: ProgressEvent): void;
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, enabled = stream.isTTY === true): Progress {
  if (!enabled) return { update: () => undefined, done: () => undefined };
  let last = 0;
  let shown = false;
  let lastWhat = '';
  return {
    update(event) {
      const now = Date.now();
      // Redraws of one step are throttled; a new step always shows, or a long one could stay hidden behind the previous line.
      if (now - last < 100 && event.what === lastWhat) return;
      last = now;
      lastWhat = event.what;
      const pct = event.total !== undefined && event.total > 0 ? ` ${Math.min(100, Math.floor((event.done / event.total) * 100))}%` : '';
      // A terminal that reports no size (0 columns) gets the classic 80.
      const columns = stream.columns || 80;
      stream.write(`\r\x1b[2K${`${event.what}${pct}`.slice(0, columns - 1)}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
