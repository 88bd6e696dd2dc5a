import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from './metrics.js';

describe('MetricsRegistry', () => {
  it('renders counters with labels, gauges and cumulative histograms in the Prometheus text format', () => {
    const registry = new MetricsRegistry();
    const scans = registry.counter('x_scans_total', 'Scans');
    scans.inc({ outcome: 'done' });
    scans.inc({ outcome: 'done' });
    scans.inc({ outcome: 'fa"il' });
    expect(registry.counter('x_scans_total', 'again')).toBe(scans);
    registry.counter('x_idle_total', 'Never incremented');
    registry.gauge('x_depth', 'Depth', () => 3);
    registry.gauge('x_absent', 'Not known yet', () => undefined);
    const seconds = registry.histogram('x_seconds', 'Durations', [0.1, 1]);
    seconds.observe(0.05);
    seconds.observe(0.5);
    seconds.observe(5);
    expect(registry.render()).toBe(
      [
        '# HELP x_depth Depth',
        '# TYPE x_depth gauge',
        'x_depth 3',
        '# HELP x_idle_total Never incremented',
        '# TYPE x_idle_total counter',
        'x_idle_total 0',
        '# HELP x_scans_total Scans',
        '# TYPE x_scans_total counter',
        'x_scans_total{outcome="done"} 2',
        'x_scans_total{outcome="fa\\"il"} 1',
        '# HELP x_seconds Durations',
        '# TYPE x_seconds histogram',
        'x_seconds_bucket{le="0.1"} 1',
        'x_seconds_bucket{le="1"} 2',
        'x_seconds_bucket{le="+Inf"} 3',
        'x_seconds_sum 5.55',
        'x_seconds_count 3',
        '',
      ].join('\n'),
    );
  });
});
