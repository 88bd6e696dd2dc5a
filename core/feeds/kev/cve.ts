/**
 * CVE ids: the key KEV, EPSS and the Debian lists share. The number part
 * has four or more digits (CVE-2021-44228, CVE-2017-1000253), so plain
 * string order puts CVE-2021-10000 before CVE-2021-9999; feeds are sorted
 * with `compareCveIds`, which orders by year, then by number.
 */

// The pattern of the CVE JSON schema and of CISA's KEV schema.
const CVE_RE = /^CVE-(\d{4})-(\d{4,19})$/;

/**
 * True for a well-formed CVE id (upper case, as CVE assigns them).
 *
 * @example
 *   isCveId('CVE-2021-44228'); // true
 *   isCveId('cve-2021-44228'); // false
 *   isCveId('CVE-2021-123');   // false (at least four digits)
 */
export function isCveId(value: string): boolean {
  return CVE_RE.test(value);
}

/**
 * Orders CVE ids by year, then number; anything else after all CVE ids, by
 * UTF-16 code units, so the order is total and sorting is deterministic.
 *
 * @example
 *   ['CVE-2021-10000', 'CVE-2021-9999'].sort(compareCveIds); // ['CVE-2021-9999', 'CVE-2021-10000']
 */
export function compareCveIds(a: string, b: string): number {
  const ma = CVE_RE.exec(a);
  const mb = CVE_RE.exec(b);
  if (ma === null || mb === null) {
    if (ma !== mb) return ma === null ? 1 : -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const [, yearA = '', numberA = ''] = ma;
  const [, yearB = '', numberB = ''] = mb;
  if (yearA !== yearB) return yearA < yearB ? -1 : 1;
  // Up to 19 digits: compare as decimal strings rather than risk float rounding.
  const na = numberA.replace(/^0+(?=\d)/, '');
  const nb = numberB.replace(/^0+(?=\d)/, '');
  if (na.length !== nb.length) return na.length - nb.length;
  if (na !== nb) return na < nb ? -1 : 1;
  // CVE-2021-0001 and CVE-2021-00001 are different ids: keep the order total.
  return a < b ? -1 : a > b ? 1 : 0;
}
