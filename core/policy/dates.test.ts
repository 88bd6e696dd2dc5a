import { describe, expect, it } from 'vitest';
import { daysSince, parseExpiry } from './dates.js';

describe('expiry dates', () => {
  it('a date applies through that whole day (UTC); a date-time is exact', () => {
    expect(parseExpiry('2026-06-30')).toEqual({ at: new Date('2026-07-01T00:00:00Z') });
    expect(parseExpiry('2026-06-30T12:00:00+02:00')).toEqual({ at: new Date('2026-06-30T10:00:00Z') });
  });

  it('refuses dates that do not exist and times without a zone', () => {
    expect(parseExpiry('2026-02-30')).toEqual({ problem: "'2026-02-30' is not a real date" });
    expect(parseExpiry('2026-13-01')).toEqual({ problem: "'2026-13-01' is not a real date" });
    expect(parseExpiry('2026-06-30T12:00:00')).toHaveProperty('problem');
    expect(parseExpiry('2026-06-30T25:00:00Z')).toEqual({ problem: "'2026-06-30T25:00:00Z' is not a real time of day" });
    expect(parseExpiry('next week')).toHaveProperty('problem');
  });

  it('counts whole days since publication', () => {
    expect(daysSince('2024-01-01T00:00:00Z', new Date('2024-01-31T12:00:00Z'))).toBe(30);
    expect(daysSince('not a date', new Date())).toBeUndefined();
  });
});
