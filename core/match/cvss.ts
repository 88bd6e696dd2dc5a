/**
 * One entry point for every CVSS version an advisory may carry: OSV's
 * `CVSS_V2`, `CVSS_V3` (3.0 and 3.1) and `CVSS_V4` severity types.
 *
 * @example cvssScore('CVSS_V3', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H') // 9.8
 */
import { cvss2BaseScore } from './cvss2.js';
import { cvss3BaseScore } from './cvss3.js';
import { cvss4Score } from './cvss4.js';

/** The score of `vector` read as CVSS of `type`, or undefined when it is not a valid vector of that version. */
export function cvssScore(type: string, vector: string): number | undefined {
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
