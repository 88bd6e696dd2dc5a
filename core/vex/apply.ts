/**
 * Applying VEX statements to a report: each finding takes the status of the
 * one statement that wins for it, and every statement that matched no
 * finding is handed back so the caller reports it (never silently dropped).
 *
 * A statement concerns a finding when it names the finding's advisory id
 * or one of its aliases (or the finding names one of the statement's
 * aliases: a statement about a CVE applies to the GHSA that aliases it,
 * and the other way round), and one of its products matches the finding's
 * package or the scanned target (`product.ts`).
 *
 * The conflict rule, when several statements concern one finding:
 * 1. the most recent wins, by each format's time (`statement.ts`:
 *    OpenVEX statement or document time, CycloneDX analysis times, CSAF
 *    release date); a statement without a time (CycloneDX only) is oldest;
 * 2. at the same time, the one naming the package most specifically wins
 *    (purl with version and qualifiers, with version, without version, a
 *    whole image);
 * 3. then the more cautious status: affected, under_investigation, fixed,
 *    not_affected — two sources that disagree at the same moment must not
 *    quietly hide a finding;
 * 4. then the source name and statement position (text order), so the
 *    result never depends on the order documents were read in.
 *
 * @example
 *   const { report: decided, unmatched } = applyVex(report, statements);
 */
import type { Finding, Report } from '../model/report.js';
import type { VexStatus } from '../model/vex.js';
import { parsePurl, type Purl } from '../purl/parse.js';
import { matchStrength, type MatchSubject } from './product.js';
import type { VexStatement } from './statement.js';

/** What applying VEX did. */
export interface VexApplication {
  /** The report with each finding's VEX fields set from its winning statement (the input is not changed). */
  report: Report;
  /** Findings whose VEX fields a statement set. */
  decided: number;
  /** Statements that matched no finding, in input order. */
  unmatched: VexStatement[];
}

const CAUTION: Record<VexStatus, number> = { affected: 3, under_investigation: 2, fixed: 1, not_affected: 0 };

interface Candidate {
  statement: VexStatement;
  index: number;
  strength: number;
}

/**
 * Applies `statements` to `report` by the rule in the module comment.
 * @example applyVex(report, doc.statements).decided; // 2
 */
export function applyVex(report: Report, statements: readonly VexStatement[]): VexApplication {
  const byId = indexById(statements);
  // Parsed only once some statement names a finding's advisory: most scans have none, and a target has hundreds of components.
  let components: Purl[] | undefined;
  const used = new Set<number>();
  let decided = 0;
  const findings = report.findings.map((finding) => {
    const named = new Set([finding.id, ...finding.aliases].map(key).flatMap((id) => byId.get(id) ?? []));
    if (named.size === 0) return finding;
    components ??= report.components.map((c) => tryPurl(c.purl)).filter((p): p is Purl => p !== undefined);
    const subject: MatchSubject = { purl: tryPurl(finding.purl), targetDigest: report.target.digest, components };
    const candidates: Candidate[] = [];
    for (const index of named) {
      const statement = statements[index] as VexStatement;
      const strength = Math.max(0, ...statement.products.map((product) => matchStrength(product, subject)));
      if (strength > 0) candidates.push({ statement, index, strength });
    }
    for (const candidate of candidates) used.add(candidate.index);
    const winner = candidates.sort(compareCandidates)[0];
    if (winner === undefined) return finding;
    decided += 1;
    return decide(finding, winner.statement);
  });
  return { report: { ...report, findings }, decided, unmatched: statements.filter((_, index) => !used.has(index)) };
}

/** Best first: newest, most specific, most cautious, then by source. */
function compareCandidates(a: Candidate, b: Candidate): number {
  const time = compareText(b.statement.timestamp ?? '', a.statement.timestamp ?? '');
  if (time !== 0) return time;
  if (a.strength !== b.strength) return b.strength - a.strength;
  const caution = CAUTION[b.statement.status] - CAUTION[a.statement.status];
  if (caution !== 0) return caution;
  return compareText(a.statement.source, b.statement.source) || a.index - b.index;
}

/** The finding with exactly the winning statement's VEX fields (any earlier ones dropped). */
function decide(finding: Finding, statement: VexStatement): Finding {
  const { status: _s, justification: _j, impactStatement: _i, actionStatement: _a, statusSource: _src, ...rest } = finding;
  return {
    ...rest,
    status: statement.status,
    ...(statement.justification === undefined ? {} : { justification: statement.justification }),
    ...(statement.impactStatement === undefined ? {} : { impactStatement: statement.impactStatement }),
    ...(statement.actionStatement === undefined ? {} : { actionStatement: statement.actionStatement }),
    statusSource: statement.source,
  };
}

/** Statement positions by every id they name (advisory id and aliases), case-folded. */
function indexById(statements: readonly VexStatement[]): Map<string, number[]> {
  const byId = new Map<string, number[]>();
  statements.forEach((statement, index) => {
    for (const id of new Set([statement.vulnerability.id, ...statement.vulnerability.aliases].map(key))) byId.set(id, [...(byId.get(id) ?? []), index]);
  });
  return byId;
}

/** Advisory ids compare case-insensitively (`GHSA-xxxx` is written in both cases). */
const key = (id: string): string => id.trim().toUpperCase();

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function tryPurl(purl: string): Purl | undefined {
  try {
    return parsePurl(purl);
  } catch {
    return undefined;
  }
}
