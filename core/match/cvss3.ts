/**
 * CVSS v3.0/v3.1 base score from a vector string, per the FIRST
 * specification (section 7.1 and Appendix A's Roundup). Used only to place a
 * finding in a severity band when the advisory database gives none.
 *
 * @example cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H') // 9.8
 */
const WEIGHTS = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  C: { H: 0.56, L: 0.22, N: 0 },
} as const;
const PR_UNCHANGED = { N: 0.85, L: 0.62, H: 0.27 } as const;
const PR_CHANGED = { N: 0.85, L: 0.68, H: 0.5 } as const;

/** The base score (0.0–10.0), or undefined for a vector that is not a complete CVSS v3 base vector. */
export function cvss3BaseScore(vector: string): number | undefined {
  const parts = vector.split('/');
  const version = parts.shift();
  if (version !== 'CVSS:3.0' && version !== 'CVSS:3.1') return undefined;
  const metrics = new Map<string, string>();
  for (const part of parts) {
    const [key, value] = part.split(':');
    if (key === undefined || value === undefined || metrics.has(key)) return undefined;
    metrics.set(key, value);
  }
  const pick = <T extends Record<string, number>>(table: T, key: string): number | undefined => {
    const value = metrics.get(key);
    return value !== undefined && value in table ? table[value as keyof T] : undefined;
  };
  const scope = metrics.get('S');
  if (scope !== 'U' && scope !== 'C') return undefined;
  const av = pick(WEIGHTS.AV, 'AV');
  const ac = pick(WEIGHTS.AC, 'AC');
  const ui = pick(WEIGHTS.UI, 'UI');
  const pr = pick(scope === 'C' ? PR_CHANGED : PR_UNCHANGED, 'PR');
  const c = pick(WEIGHTS.C, 'C');
  const i = pick(WEIGHTS.C, 'I');
  const a = pick(WEIGHTS.C, 'A');
  if (av === undefined || ac === undefined || ui === undefined || pr === undefined || c === undefined || i === undefined || a === undefined) {
    return undefined;
  }
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = scope === 'U' ? 6.42 * iss : 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15);
  const exploitability = 8.22 * av * ac * pr * ui;
  if (impact <= 0) return 0;
  const raw = scope === 'U' ? Math.min(impact + exploitability, 10) : Math.min(1.08 * (impact + exploitability), 10);
  return roundUp(raw);
}

/** CVSS v3.1 Roundup: the smallest number with one decimal that is ≥ the input, free of float error. */
function roundUp(value: number): number {
  const scaled = Math.round(value * 100000);
  return scaled % 10000 === 0 ? scaled / 100000 : (Math.floor(scaled / 10000) + 1) / 10;
}
