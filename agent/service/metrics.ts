/**
 * A small metrics registry rendered in Prometheus' text format (0.0.4):
 * counters with labels, gauges read when scraped, and histograms. Other
 * parts (the layer cache) increment counters here by name, so /metrics
 * shows them without this module knowing them.
 *
 * @example
 *   const hits = metrics.counter('stella_layer_cache_hits_total', 'Layers answered from the cache');
 *   hits.inc();
 *   metrics.render(); // '# HELP stella_layer_cache_hits_total …'
 */
export type Labels = Readonly<Record<string, string>>;

/** A monotonically growing count, per label set. */
export interface Counter {
  inc(labels?: Labels, by?: number): void;
}

/** Observations bucketed by upper bound (seconds, for durations). */
export interface Histogram {
  observe(value: number): void;
}

interface Family {
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  lines(name: string): string[];
}

/** Buckets for scan durations: 10 ms to 2 minutes. */
export const DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;

/** One process's metrics (see the module comment). */
export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private readonly counters = new Map<string, Counter>();

  /** The counter `name`, created on first use (so two parts can share one). */
  counter(name: string, help: string): Counter {
    const existing = this.counters.get(name);
    if (existing !== undefined) return existing;
    const values = new Map<string, number>();
    const counter: Counter = {
      inc: (labels = {}, by = 1) => {
        const key = labelText(labels);
        values.set(key, (values.get(key) ?? 0) + by);
      },
    };
    this.counters.set(name, counter);
    this.families.set(name, { help, type: 'counter', lines: (n) => (values.size === 0 ? [`${n} 0`] : [...values].map(([key, value]) => `${n}${key} ${value}`)) });
    return counter;
  }

  /** A gauge whose value `read` gives at scrape time (undefined: not exposed). */
  gauge(name: string, help: string, read: () => number | undefined): void {
    this.families.set(name, {
      help,
      type: 'gauge',
      lines: (n) => {
        const value = read();
        return value === undefined ? [] : [`${n} ${formatNumber(value)}`];
      },
    });
  }

  /** A histogram with cumulative buckets, `_sum` and `_count`. */
  histogram(name: string, help: string, buckets: readonly number[] = DURATION_BUCKETS): Histogram {
    const counts = buckets.map(() => 0);
    let sum = 0;
    let count = 0;
    this.families.set(name, {
      help,
      type: 'histogram',
      lines: (n) => [
        ...buckets.map((bound, i) => `${n}_bucket{le="${bound}"} ${counts[i] ?? 0}`),
        `${n}_bucket{le="+Inf"} ${count}`,
        `${n}_sum ${formatNumber(sum)}`,
        `${n}_count ${count}`,
      ],
    });
    return {
      observe: (value) => {
        buckets.forEach((bound, i) => {
          if (value <= bound) counts[i] = (counts[i] ?? 0) + 1;
        });
        sum += value;
        count += 1;
      },
    };
  }

  /** Every family in the text exposition format, sorted by name. */
  render(): string {
    const out: string[] = [];
    for (const name of [...this.families.keys()].sort()) {
      const family = this.families.get(name) as Family;
      const lines = family.lines(name);
      if (lines.length === 0) continue;
      out.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`, ...lines);
    }
    return `${out.join('\n')}\n`;
  }
}

/**
 * The process-wide registry: the service registers its own metrics here, and
 * the layer cache increments `stella_layer_cache_hits_total` /
 * `stella_layer_cache_misses_total` (see {@link LAYER_CACHE}).
 */
export const metrics = new MetricsRegistry();

/** The layer cache's counters, named once so the cache and /metrics agree. */
export const LAYER_CACHE = {
  hits: metrics.counter('stella_layer_cache_hits_total', 'Layers answered from the layer cache without reading them'),
  misses: metrics.counter('stella_layer_cache_misses_total', 'Layers read because the layer cache did not have them'),
} as const;

function labelText(labels: Labels): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '';
  return `{${entries.map(([key, value]) => `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
}
