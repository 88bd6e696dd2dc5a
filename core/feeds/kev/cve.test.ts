import { describe, expect, it } from 'vitest';
import { compareCveIds, isCveId } from './cve.js';

describe('CVE ids', () => {
  it('accepts the CVE pattern only', () => {
    for (const id of ['CVE-2021-44228', 'CVE-2017-1000253', 'CVE-1999-0001', `CVE-2024-${'9'.repeat(19)}`]) expect(isCveId(id), id).toBe(true);
    for (const id of ['cve-2021-44228', 'CVE-2021-123', 'CVE-21-44228', ' CVE-2021-44228', 'CVE-2021-44228\n', 'GHSA-jf85-cpcp-j695', `CVE-2024-${'9'.repeat(20)}`]) {
      expect(isCveId(id), id).toBe(false);
    }
  });

  it('orders by year, then by number, then everything else', () => {
    const ids = ['CVE-2021-10000', 'X', 'CVE-2017-1000253', 'CVE-2021-9999', 'CVE-2020-99999', 'CVE-2021-0999', 'A'];
    expect([...ids].sort(compareCveIds)).toEqual(['CVE-2017-1000253', 'CVE-2020-99999', 'CVE-2021-0999', 'CVE-2021-9999', 'CVE-2021-10000', 'A', 'X']);
    expect(compareCveIds('CVE-2021-44228', 'CVE-2021-44228')).toBe(0);
    // 19-digit numbers differ past float precision.
    expect(compareCveIds(`CVE-2024-${'9'.repeat(18)}8`, `CVE-2024-${'9'.repeat(19)}`)).toBeLessThan(0);
  });
});
