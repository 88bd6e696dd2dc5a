import { describe, expect, it } from 'vitest';
import { finding, imageReport } from '../report.test-helper.js';
import { MAX_ROWS, renderMarkdown } from './markdown.js';

describe('markdown exporter', () => {
  it('lists known-exploited findings first within a level and names them', () => {
    const kev = { dateAdded: '2024-01-01', dueDate: '2024-01-22', knownRansomwareCampaignUse: 'Unknown' } as const;
    const text = renderMarkdown(imageReport([], [finding('GHSA-b', 'pkg:npm/a@1.0.0'), finding('CVE-2024-3', 'pkg:npm/z@1.0.0', { kev })]));
    expect(text).toContain('**1 known exploited** (CISA KEV): CVE-2024-3.');
    const rows = text.split('\n').filter((line) => line.startsWith('| HIGH |'));
    expect(rows.map((row) => row.split(' | ')[1])).toEqual(['z', 'a']);
  });

  it(`cuts the findings table at ${MAX_ROWS} rows and says how many more there are`, () => {
    const findings = Array.from({ length: MAX_ROWS + 5 }, (_, i) => finding(`GHSA-${String(i).padStart(4, '0')}`, `pkg:npm/p${i}@1.0.0`));
    const text = renderMarkdown(imageReport([], findings));
    expect(text.split('\n').filter((line) => line.startsWith('| HIGH |'))).toHaveLength(MAX_ROWS);
    expect(text).toContain('…and 5 more');
    expect(text).toContain(`| findings | 0 | ${MAX_ROWS + 5} | 0 | 0 | 0 |`);
  });
});
