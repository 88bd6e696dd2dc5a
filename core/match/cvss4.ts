/**
 * CVSS v4.0 score from a vector string, through `ae-cvss-calculator`
 * (Apache-2.0, no runtime dependencies, Web-standard: it runs in the
 * Worker as well as in Node). v4 scores come from FIRST's lookup table of
 * macro vectors, which we would rather not keep a second copy of.
 *
 * The library scores incomplete vectors as 0 instead of refusing them, so
 * the base metrics are checked here first.
 *
 * @example cvss4Score('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N') // 9.3
 */
import calculator from 'ae-cvss-calculator';

/** Base metrics every v4 vector must give, with the values the specification allows. */
const BASE: Readonly<Record<string, readonly string[]>> = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  AT: ['N', 'P'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'P', 'A'],
  VC: ['H', 'L', 'N'],
  VI: ['H', 'L', 'N'],
  VA: ['H', 'L', 'N'],
  SC: ['H', 'L', 'N'],
  SI: ['H', 'L', 'N'],
  SA: ['H', 'L', 'N'],
};

/**
 * The score of the vector as written (CVSS-B, or CVSS-BT/BE/BTE when it
 * carries threat or environmental metrics, as v4's nomenclature says), or
 * undefined when it is not a complete CVSS v4.0 vector.
 */
export function cvss4Score(vector: string): number | undefined {
  const parts = vector.trim().split('/');
  if (parts.shift() !== 'CVSS:4.0') return undefined;
  const metrics = new Map<string, string>();
  for (const part of parts) {
    const [key, value, extra] = part.split(':');
    if (key === undefined || value === undefined || value === '' || extra !== undefined || metrics.has(key)) return undefined;
    metrics.set(key, value);
  }
  for (const [key, allowed] of Object.entries(BASE)) {
    const value = metrics.get(key);
    if (value === undefined || !allowed.includes(value)) return undefined;
  }
  try {
    const score = new calculator.Cvss4P0(vector.trim()).calculateScores().overall;
    return typeof score === 'number' && Number.isFinite(score) ? score : undefined;
  } catch {
    // An unknown supplemental or environmental value: the vector is not one we can score.
    return undefined;
  }
}
