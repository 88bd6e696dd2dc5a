/** Pull request descriptions cut to the forge's limit at a line boundary, with a footer saying where the rest is. */
import { describe, expect, it } from 'vitest';
import { fitBody } from './body.js';

describe('fitBody', () => {
  it('returns a body that fits unchanged', () => {
    expect(fitBody('# review\n\nshort\n', 100, 'footer')).toBe('# review\n\nshort\n');
  });

  it('cuts a long body at a line boundary, ends with the footer and stays within the limit', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `| HIGH | pkg-${i} | 1.0.${i} | GHSA-${i} | 1.1 |`);
    const body = fitBody(lines.join('\n'), 1000, '_Run `stella review summary` for the rest._');
    expect(body.length).toBeLessThanOrEqual(1000);
    expect(body.endsWith('\n\n…\n\n_Run `stella review summary` for the rest._\n')).toBe(true);
    const kept = body.split('\n\n…\n\n')[0]?.split('\n') ?? [];
    expect(kept.length).toBeGreaterThan(5);
    expect(kept.every((line, i) => line === lines[i])).toBe(true);
  });

  it('never splits a surrogate pair when there is no line to cut at', () => {
    const body = fitBody('😀'.repeat(100), 60, 'f');
    expect(body.length).toBeLessThanOrEqual(60);
    expect(() => encodeURIComponent(body)).not.toThrow();
  });
});
