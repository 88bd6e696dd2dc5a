import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cvss2BaseScore } from './cvss2.js';
import { cvss4Score } from './cvss4.js';
import { cvssScore } from './cvss.js';

describe('CVSS v2', () => {
  // The worked examples of "A Complete Guide to CVSS Version 2.0", section 3.3.
  it.each([
    ['AV:N/AC:L/Au:N/C:N/I:N/A:C', 7.8], // CVE-2002-0392
    ['AV:N/AC:L/Au:N/C:C/I:C/A:C', 10.0], // CVE-2003-0818
    ['AV:L/AC:H/Au:N/C:C/I:C/A:C', 6.2], // CVE-2003-0062
  ])('scores the guide example %s as %s', (vector, score) => {
    expect(cvss2BaseScore(vector)).toBe(score);
  });

  it('ignores temporal metrics and accepts the parenthesised form', () => {
    expect(cvss2BaseScore('AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C')).toBe(7.8);
    expect(cvss2BaseScore('(AV:N/AC:L/Au:N/C:N/I:N/A:C)')).toBe(7.8);
  });

  it('scores no impact as 0', () => {
    expect(cvss2BaseScore('AV:N/AC:L/Au:N/C:N/I:N/A:N')).toBe(0);
  });

  it.each(['', 'AV:N/AC:L', 'AV:X/AC:L/Au:N/C:N/I:N/A:C', 'AV:N/AV:N/AC:L/Au:N/C:N/I:N/A:C', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'AV:N/AC:L/Au:N/C:N/I:N/A:C/ZZ:1'])(
    'refuses %j',
    (vector) => expect(cvss2BaseScore(vector)).toBeUndefined(),
  );
});

describe('CVSS v4.0', () => {
  it.each([
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H', 10],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N', 0],
  ])('scores %s as %s', (vector, score) => {
    expect(cvss4Score(vector)).toBe(score);
  });

  it('lowers the score for threat metrics (CVSS-BT): unreported exploitation', () => {
    const base = cvss4Score('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N') as number;
    const bt = cvss4Score('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U') as number;
    expect(bt).toBeLessThan(base);
  });

  it.each(['CVSS:4.0/AV:N', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N', 'CVSS:4.0/AV:Q/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'garbage'])(
    'refuses %j',
    (vector) => expect(cvss4Score(vector)).toBeUndefined(),
  );
});

describe('real NVD records: our scores equal the scores NVD published', () => {
  const testdata = new URL('../feeds/nvd/testdata/', import.meta.url);
  const types: Record<string, string> = { cvssMetricV2: 'CVSS_V2', cvssMetricV30: 'CVSS_V3', cvssMetricV31: 'CVSS_V3', cvssMetricV40: 'CVSS_V4' };
  for (const file of ['CVE-2014-1829.json', 'CVE-2023-32681.json', 'CVE-2024-3400.json', 'CVE-2025-0108.json']) {
    it(file, () => {
      const cve = JSON.parse(readFileSync(new URL(file, testdata), 'utf8')) as { metrics: Record<string, { cvssData: { vectorString: string; baseScore: number } }[]> };
      let checked = 0;
      for (const [key, entries] of Object.entries(cve.metrics)) {
        const type = types[key];
        if (type === undefined) continue;
        for (const entry of entries) {
          expect(cvssScore(type, entry.cvssData.vectorString), `${key} ${entry.cvssData.vectorString}`).toBe(entry.cvssData.baseScore);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
});
