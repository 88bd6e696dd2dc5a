import { describe, expect, it } from 'vitest';
import { isStellaError } from '../../errors.js';
import { compareCveIds } from '../kev/cve.js';
import { formatEpssCsv, parseEpssCsv, parseEpssStream } from './csv.js';
import { createEpssParser, isEpssCsv, MAX_WARNINGS } from './parser.js';
import { EpssScores } from './scores.js';

/**
 * A file in the exact layout of FIRST's daily `epss_scores-2023-11-28.csv`
 * (model comment, header, rows in CVE string order, five decimals with
 * trailing zeros dropped). The rows are written for this test: real CVE ids,
 * plausible but not the published scores.
 */
const FIXTURE = `#model_version:v2023.03.01,score_date:2023-11-28T00:00:00+0000
cve,epss,percentile
CVE-1999-0001,0.01141,0.83725
CVE-1999-0002,0.02617,0.89264
CVE-1999-0003,0.90362,0.98715
CVE-1999-0004,0.0078,0.80203
CVE-1999-0005,0.20919,0.96039
CVE-2002-0367,0.02256,0.88561
CVE-2008-4250,0.97356,0.99866
CVE-2010-2568,0.97471,0.99932
CVE-2012-1823,0.97526,0.99968
CVE-2014-0160,0.97529,0.9997
CVE-2014-100005,0.00926,0.81772
CVE-2014-6271,0.97563,0.99994
CVE-2017-0144,0.97549,0.99984
CVE-2017-1000253,0.00042,0.05123
CVE-2017-5638,0.97559,0.99991
CVE-2017-9841,0.97534,0.99975
CVE-2018-1000861,0.9749,0.99943
CVE-2018-11776,0.97473,0.99933
CVE-2019-0708,0.97554,0.99988
CVE-2019-1003029,0.97271,0.99821
CVE-2019-11510,0.97348,0.99862
CVE-2019-19781,0.97553,0.99987
CVE-2020-0601,0.50452,0.97532
CVE-2020-1472,0.97291,0.99829
CVE-2021-21972,0.97345,0.9986
CVE-2021-22893,0.97385,0.99882
CVE-2021-26855,0.97505,0.99953
CVE-2021-3156,0.00289,0.66591
CVE-2021-34527,0.9571,0.99359
CVE-2021-4034,0.00056,0.22319
CVE-2021-44228,0.97565,0.99996
CVE-2021-45046,0.97397,0.99888
CVE-2022-0778,0.0095,0.82058
CVE-2022-22965,0.97515,0.9996
CVE-2022-30190,0.97203,0.99792
CVE-2022-4450,0.00185,0.55215
CVE-2023-0286,0.00143,0.50166
CVE-2023-1393,0.00044,0.08329
CVE-2023-22518,0.96787,0.99623
CVE-2023-23397,0.91868,0.98848
CVE-2023-34362,0.93975,0.99071
CVE-2023-38545,0.01256,0.84646
CVE-2023-4863,0.37531,0.97073
CVE-2023-4966,0.96563,0.99532
CVE-2023-46604,0.97071,0.99738
CVE-2023-48384,0.00045,0.1239
`;
const ROWS = 46;

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isStellaError(error)) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

describe('parseEpssCsv', () => {
  it('reads the model comment, the header and every row', () => {
    const { modelVersion, scoreDate, scores, skipped, warnings } = parseEpssCsv(FIXTURE, 'epss_scores-2023-11-28.csv');
    expect(skipped).toBe(0);
    expect(warnings).toEqual([]);
    expect(modelVersion).toBe('v2023.03.01');
    expect(scoreDate).toBe('2023-11-28T00:00:00Z');
    expect(scores.size).toBe(ROWS);
    expect(scores.get('CVE-2021-44228')).toEqual({ epss: 0.97565, percentile: 0.99996 });
    expect(scores.get('CVE-2017-1000253')).toEqual({ epss: 0.00042, percentile: 0.05123 });
    expect(scores.get('CVE-2014-0160')).toEqual({ epss: 0.97529, percentile: 0.9997 });
    expect(scores.has('CVE-2023-99999')).toBe(false);
    expect(scores.get('CVE-2023-99999')).toBeUndefined();
    expect(scores.get('constructor')).toBeUndefined();
  });

  it('iterates in CVE order, not in the string order of the file', () => {
    const ids = [...parseEpssCsv(FIXTURE, 'x').scores.entries()].map(([id]) => id);
    expect(ids).toEqual([...ids].sort(compareCveIds));
    expect(ids.indexOf('CVE-2014-6271')).toBeLessThan(ids.indexOf('CVE-2014-100005'));
  });

  it('gives the same result however the input is cut into chunks or lines', async () => {
    const whole = parseEpssCsv(FIXTURE, 'x');
    for (const size of [1, 7, 64, 1000]) {
      const parser = createEpssParser('x');
      for (let i = 0; i < FIXTURE.length; i += size) parser.push(FIXTURE.slice(i, i + size));
      expect(parser.end(), `chunks of ${size}`).toEqual(whole);
    }
    const byLine = createEpssParser('x');
    for (const line of FIXTURE.split('\n')) byLine.pushLine(line);
    expect(byLine.end()).toEqual(whole);
    // Bytes split inside nothing in particular, through a Web stream.
    const bytes = new TextEncoder().encode(FIXTURE);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 13) controller.enqueue(bytes.slice(i, i + 13));
        controller.close();
      },
    });
    expect(await parseEpssStream(stream, 'x')).toEqual(whole);
  });

  it('reads a gzipped file through DecompressionStream', async () => {
    const gzipped = new Blob([FIXTURE]).stream().pipeThrough(new CompressionStream('gzip'));
    const { scores } = await parseEpssStream(gzipped.pipeThrough(new DecompressionStream('gzip')), 'epss.csv.gz');
    expect(scores.size).toBe(ROWS);
  });

  it('accepts CRLF, a byte-order mark, a missing final newline and no comment line', () => {
    const text = `\uFEFFcve,epss,percentile\r\nCVE-2021-44228,0.97565,0.99996\r\nCVE-2023-4863,0.37531,0.97073`;
    const { modelVersion, scoreDate, scores, skipped } = parseEpssCsv(text, 'x');
    expect(skipped).toBe(0);
    expect(modelVersion).toBeUndefined();
    expect(scoreDate).toBeUndefined();
    expect(scores.size).toBe(2);
    expect(scores.get('CVE-2023-4863')).toEqual({ epss: 0.37531, percentile: 0.97073 });
  });

  it('skips and counts truncated rows, non-numeric and out-of-range numbers, bad ids and repeats', () => {
    const text = [
      '#model_version:v2023.03.01,score_date:2023-11-28T00:00:00+0000',
      'cve,epss,percentile',
      'CVE-2021-44228,0.97565,0.99996',
      'CVE-2021-45046,0.97397', // truncated
      'CVE-2021-4', // truncated
      'CVE-2022-0778,n/a,0.82058',
      'CVE-2022-4450,0.00185,',
      'CVE-2023-0286,1.5,0.50166',
      'CVE-2023-1393,-0.1,0.08329',
      'CVE-2023-4863,0x1,0.97073',
      'CVE-2023-4966,NaN,0.99532',
      'CVE-2023-4966,Infinity,0.99532',
      'cve-2023-38545,0.01256,0.84646',
      'CVE-2021-44228,0.5,0.5', // repeated: the first wins
      'CVE-2023-46604,0.97071,0.99738,extra',
      'CVE-2023-48384,1e-5,1.0',
    ].join('\n');
    const { scores, skipped, warnings } = parseEpssCsv(text, 'epss.csv');
    expect([...scores.entries()]).toEqual([
      ['CVE-2021-44228', { epss: 0.97565, percentile: 0.99996 }],
      ['CVE-2023-48384', { epss: 0.00001, percentile: 1 }],
    ]);
    expect(skipped).toBe(12);
    expect(warnings).toHaveLength(12);
    expect(warnings[0]).toBe('epss.csv:4: row skipped: expected 3 fields, found 2');
    expect(warnings[2]).toBe('epss.csv:6: row skipped: CVE-2022-0778: epss "n/a" is not a number in [0, 1]');
    expect(warnings[3]).toBe('epss.csv:7: row skipped: CVE-2022-4450: percentile "" is not a number in [0, 1]');
    expect(warnings[10]).toBe('epss.csv:14: row skipped: CVE-2021-44228 is listed twice');
  });

  it('ignores a score date it cannot read, with a warning, and keeps the scores', () => {
    const { scoreDate, modelVersion, scores, skipped, warnings } = parseEpssCsv(`#model_version:v2023.03.01,score_date:2023-02-30T00:00:00+0000\n${FIXTURE.split('\n').slice(1).join('\n')}`, 'x');
    expect(scoreDate).toBeUndefined();
    expect(modelVersion).toBe('v2023.03.01');
    expect(scores.size).toBe(ROWS);
    expect(skipped).toBe(0);
    expect(warnings).toEqual(['x:1: score_date "2023-02-30T00:00:00+0000" is not a date-time; ignored']);
  });

  it('skips an over-long line without holding it in memory', () => {
    const parser = createEpssParser('x');
    parser.push('cve,epss,percentile\nCVE-2021-44228,0.97565,0.99996\nCVE-2021-45046,');
    for (let i = 0; i < 100; i++) parser.push('9'.repeat(1000));
    parser.push('\nCVE-2023-4863,0.37531,0.97073\n');
    const { scores, skipped, warnings } = parser.end();
    expect([...scores.entries()].map(([id]) => id)).toEqual(['CVE-2021-44228', 'CVE-2023-4863']);
    expect(skipped).toBe(1);
    expect(warnings).toEqual(['x:3: row skipped: line longer than 1024 characters']);
  });

  it('caps warnings but counts every skipped row', () => {
    const rows = Array.from({ length: 300 }, (_, i) => `CVE-2023-${10000 + i},x,y`);
    const { skipped, warnings } = parseEpssCsv(`cve,epss,percentile\n${rows.join('\n')}\n`, 'x');
    expect(skipped).toBe(300);
    expect(warnings).toHaveLength(MAX_WARNINGS);
  });

  it('refuses input without the header row', () => {
    const cases: [string, string][] = [
      ['', 'x: not an EPSS file (no "cve,epss,percentile" header row)'],
      ['#model_version:v2023.03.01,score_date:2023-11-28T00:00:00+0000\n', 'x: not an EPSS file (no "cve,epss,percentile" header row)'],
      ['cve,epss\nCVE-2021-44228,0.97565\n', 'x:1: not an EPSS file (expected "cve,epss,percentile", found "cve,epss")'],
      ['#model_version:v2023.03.01\nCVE-2021-44228,0.97565,0.99996\n', 'x:2: not an EPSS file (expected "cve,epss,percentile", found "CVE-2021-44228,0.97565,0.99996")'],
      ['{"catalogVersion":"2025.08.25"}', 'x:1: not an EPSS file (expected "cve,epss,percentile", found "{"catalogVersion":"2025.08.25"}")'],
    ];
    for (const [text, message] of cases) expect(thrown(() => parseEpssCsv(text, 'x'))).toMatchObject({ code: 'ADVISORY_INVALID', message });
  });
});

describe('formatEpssCsv', () => {
  it('writes the canonical form: same layout, rows in CVE order, and reads back to the same scores', () => {
    const parsed = parseEpssCsv(FIXTURE, 'x');
    const text = formatEpssCsv(parsed);
    const lines = text.split('\n');
    expect(lines.slice(0, 3)).toEqual(['#model_version:v2023.03.01,score_date:2023-11-28T00:00:00+0000', 'cve,epss,percentile', 'CVE-1999-0001,0.01141,0.83725']);
    expect(lines).toHaveLength(ROWS + 3);
    // The same rows as the file, only reordered.
    expect([...lines.slice(2, -1)].sort()).toEqual(FIXTURE.trim().split('\n').slice(2).sort());
    const back = parseEpssCsv(text, 'canonical');
    expect(back).toEqual(parsed);
    expect(formatEpssCsv(back)).toBe(text);
  });

  it('does not depend on input order or on how numbers were spelled', () => {
    const a = parseEpssCsv('cve,epss,percentile\nCVE-2023-4863,0.37531,0.97073\nCVE-2021-44228,0.975650,0.99996\n', 'a');
    const b = parseEpssCsv('cve,epss,percentile\nCVE-2021-44228,.97565,9.9996e-1\nCVE-2023-4863,0.375310,0.97073\n', 'b');
    expect(formatEpssCsv(a)).toBe(formatEpssCsv(b));
    expect(formatEpssCsv(a)).toBe('cve,epss,percentile\nCVE-2021-44228,0.97565,0.99996\nCVE-2023-4863,0.37531,0.97073\n');
  });

  it('writes an empty table as just the header', () => {
    expect(formatEpssCsv({ scores: EpssScores.from([]) })).toBe('cve,epss,percentile\n');
  });
});

describe('isEpssCsv', () => {
  it('recognises the first line of an EPSS file', () => {
    expect(isEpssCsv('#model_version:v2023.03.01,score_date:2023-11-28T00:00:00+0000')).toBe(true);
    expect(isEpssCsv('#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z\r')).toBe(true);
    expect(isEpssCsv('\uFEFFcve,epss,percentile')).toBe(true);
  });

  it('rejects other first lines', () => {
    for (const line of ['', '# comment', 'cve,epss', 'CVE-2021-44228,0.97565,0.99996', '{"catalogVersion":"2025.08.25"', '[29 Mar 2023] DSA-5380-1 xorg-server - security update']) {
      expect(isEpssCsv(line), line).toBe(false);
    }
  });
});
