/**
 * CVSS v2 base score from a vector string, per "A Complete Guide to the
 * Common Vulnerability Scoring System Version 2.0" (FIRST/NIST, 2007),
 * section 3.2.1. Old NVD records and some OSV records carry only v2.
 *
 * @example cvss2BaseScore('AV:N/AC:L/Au:N/C:N/I:N/A:C') // 7.8
 */
const AV = { L: 0.395, A: 0.646, N: 1.0 } as const;
const AC = { H: 0.35, M: 0.61, L: 0.71 } as const;
const AU = { M: 0.45, S: 0.56, N: 0.704 } as const;
const IMPACT = { N: 0.0, P: 0.275, C: 0.66 } as const;
const BASE_KEYS = ['AV', 'AC', 'Au', 'C', 'I', 'A'] as const;
/** Temporal and environmental metrics may follow the base ones; they do not change the base score. */
const OTHER_KEYS = new Set(['E', 'RL', 'RC', 'CDP', 'TD', 'CR', 'IR', 'AR']);

/** The base score (0.0–10.0), or undefined for a vector that is not a complete CVSS v2 vector. */
export function cvss2BaseScore(vector: string): number | undefined {
  // NVD writes v2 vectors bare; some databases wrap them in parentheses or prefix `CVSS:2.0/`.
  const bare = vector.trim().replace(/^\((.*)\)$/, '$1').replace(/^CVSS:2\.0\//, '');
  const metrics = new Map<string, string>();
  for (const part of bare.split('/')) {
    const [key, value, extra] = part.split(':');
    if (key === undefined || value === undefined || extra !== undefined || metrics.has(key)) return undefined;
    if (!(BASE_KEYS as readonly string[]).includes(key) && !OTHER_KEYS.has(key)) return undefined;
    metrics.set(key, value);
  }
  const pick = <T extends Record<string, number>>(table: T, key: string): number | undefined => {
    const value = metrics.get(key);
    return value !== undefined && Object.hasOwn(table, value) ? table[value as keyof T] : undefined;
  };
  const av = pick(AV, 'AV');
  const ac = pick(AC, 'AC');
  const au = pick(AU, 'Au');
  const c = pick(IMPACT, 'C');
  const i = pick(IMPACT, 'I');
  const a = pick(IMPACT, 'A');
  if (av === undefined || ac === undefined || au === undefined || c === undefined || i === undefined || a === undefined) return undefined;
  const impact = 10.41 * (1 - (1 - c) * (1 - i) * (1 - a));
  const exploitability = 20 * av * ac * au;
  const fImpact = impact === 0 ? 0 : 1.176;
  return roundToOneDecimal((0.6 * impact + 0.4 * exploitability - 1.5) * fImpact);
}

/** The guide's round_to_1_decimal, with a nudge so 6.45 stored as 6.4499… still rounds up. */
function roundToOneDecimal(value: number): number {
  return Math.round(value * 10 + 1e-9) / 10;
}
