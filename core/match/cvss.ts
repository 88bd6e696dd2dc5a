/**
 * One entry point for every CVSS version an advisory may carry: OSV's
 * `CVSS_V2`, `CVSS_V3` (3.0 and 3.1) and `CVSS_V4` severity types.
 *
 * @example cvssScore('CVSS_V3', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H') // 9.8
 */
import { cvss2BaseScore } from './cvss2.js';
import { cvss3BaseScore } from './cvss3.js';
import { cvss4Score } from './cvss4.js';

/** Distinct vectors are few (thousands) while findings are many: score each once. Bounded, oldest dropped. */
const MEMO_LIMIT = 50_000;
const memo = new Map<string, number | undefined>();

/** The score of `vector` read as CVSS of `type`, or undefined when it is not a valid vector of that version. */
export function cvssScore(type: string, vector: string): number | undefined {
  const key = `${type} ${vector}`;
  if (memo.has(key)) return memo.get(key);
  const score = scoreOnce(type, vector);
  if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
  memo.set(key, score);
  return score;
}

function scoreOnce(type: string, vector: string): number | undefined {
  switch (type) {
    case 'CVSS_V2':
      return cvss2BaseScore(vector);
    case 'CVSS_V3':
      return cvss3BaseScore(vector);
    case 'CVSS_V4':
      return cvss4Score(vector);
    default:
      // Ubuntu's and other non-CVSS severity types: not a vector we score.
      return undefined;
  }
}
