/**
 * EPSS scores (https://www.first.org/epss/): for each CVE the probability
 * of exploitation activity in the next 30 days (`epss`) and its rank among
 * all scored CVEs (`percentile`), both in [0, 1].
 *
 * A daily file scores every published CVE (about 250,000), and a scan looks
 * up a few hundred, so the table keeps the numbers in two typed arrays and
 * one id → row map instead of an object per CVE.
 *
 * @example
 *   const scores = EpssScores.from([['CVE-2021-44228', { epss: 0.97565, percentile: 0.99996 }]]);
 *   scores.get('CVE-2021-44228'); // { epss: 0.97565, percentile: 0.99996 }
 */
import { compareCveIds } from '../kev/cve.js';

/**
 * The two numbers EPSS gives a CVE.
 *
 * @example
 *   { epss: 0.97565, percentile: 0.99996 }
 */
export interface EpssScore {
  epss: number;
  percentile: number;
}

/**
 * A read-only table of scores, iterated in CVE order (year, then number).
 *
 * @example
 *   const table = EpssScores.from(rows);
 *   table.get('CVE-2023-4863')?.percentile; // 0.99512
 *   [...table.entries()][0]?.[0];           // the lowest CVE id
 */
export class EpssScores {
  /** Ids in CVE order; row `i` of the number arrays belongs to `ids[i]`. */
  private readonly ids: readonly string[];
  private readonly rows: ReadonlyMap<string, number>;
  private readonly epss: Float64Array;
  private readonly percentile: Float64Array;

  private constructor(ids: readonly string[], epss: Float64Array, percentile: Float64Array) {
    this.ids = ids;
    this.epss = epss;
    this.percentile = percentile;
    this.rows = new Map(ids.map((id, row) => [id, row]));
  }

  /**
   * A table from (CVE id, score) pairs in any order. Ids are trusted to be
   * distinct, valid CVE ids with scores in [0, 1]: the parser checks them.
   *
   * @example
   *   EpssScores.from(new Map([['CVE-2020-1472', { epss: 0.97, percentile: 0.999 }]])).size; // 1
   */
  static from(pairs: Iterable<readonly [string, EpssScore]>): EpssScores {
    const sorted = [...pairs].sort((a, b) => compareCveIds(a[0], b[0]));
    const epss = new Float64Array(sorted.length);
    const percentile = new Float64Array(sorted.length);
    sorted.forEach(([, score], row) => {
      epss[row] = score.epss;
      percentile[row] = score.percentile;
    });
    return new EpssScores(
      sorted.map(([id]) => id),
      epss,
      percentile,
    );
  }

  /** Number of scored CVEs. */
  get size(): number {
    return this.ids.length;
  }

  /** The score of one CVE, or undefined when EPSS does not score it. */
  get(cve: string): EpssScore | undefined {
    const row = this.rows.get(cve);
    if (row === undefined) return undefined;
    return { epss: this.epss[row] ?? 0, percentile: this.percentile[row] ?? 0 };
  }

  has(cve: string): boolean {
    return this.rows.has(cve);
  }

  /** Every (CVE id, score) in CVE order. */
  *entries(): IterableIterator<[string, EpssScore]> {
    for (let row = 0; row < this.ids.length; row++) {
      yield [this.ids[row] ?? '', { epss: this.epss[row] ?? 0, percentile: this.percentile[row] ?? 0 }];
    }
  }
}
