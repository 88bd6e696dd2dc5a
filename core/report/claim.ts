/**
 * What a signed report or retirement statement claims about its place in
 * the repository: which node made it, for which target, and where it sits
 * in that target's line of reports (`sequence`, the previous one's + 1;
 * `signedAt`, when it was signed). Verification compares these with the
 * folder that holds the statement and with the history before it, so an
 * old report cannot be replayed, moved or quietly deleted.
 *
 * `peekClaim` reads a bundle WITHOUT checking its signature: only for
 * history, where a statement serves as a floor the current report must not
 * go below, never as evidence.
 *
 * @example
 *   const claim = claimOf(statement, 'findings/edge-1/app/report.sigstore.json');
 *   claim.sequence // 4
 */
import { StellaError } from '../errors.js';
import type { JsonObject } from '../sign/canonical-json.js';
import { base64Decode, sha256Hex } from '../sign/encoding.js';
import { parseStatement, type InTotoStatement } from '../sign/intoto.js';
import { RETIREMENT_PREDICATE_TYPE, SCAN_PREDICATE_TYPE } from './layout.js';

/** Whether the statement records a report or the retirement of one. */
export type ClaimKind = 'report' | 'retirement';

/** The freshness fields of a report or retirement statement. */
export interface ReportClaim {
  kind: ClaimKind;
  node: string;
  /** The target's name, as scanned (its slug is the folder name). */
  target: string;
  /** 1 for a target's first report; the previous report's (or retirement's) + 1 after that. */
  sequence: number;
  /** ISO 8601 time of signing. */
  signedAt: string;
}

/**
 * The freshness fields every new statement carries, for a predicate builder.
 * @example freshnessFields({ node: 'edge-1', sequence: 2, now: new Date() })
 */
export function freshnessFields(input: { node: string; sequence: number; now: Date }): JsonObject {
  return { node: input.node, sequence: input.sequence, signedAt: input.now.toISOString() };
}

/**
 * Reads the claim of a verified statement. Throws REPO_INVALID saying which
 * field is missing or malformed (a statement made before sequences existed
 * has none, and is refused: re-scan the target).
 * @example claimOf(statement).sequence
 */
export function claimOf(statement: InTotoStatement): ReportClaim {
  const kind: ClaimKind | undefined =
    statement.predicateType === SCAN_PREDICATE_TYPE ? 'report' : statement.predicateType === RETIREMENT_PREDICATE_TYPE ? 'retirement' : undefined;
  if (kind === undefined) throw invalid(`predicate type ${statement.predicateType} is neither a scan report nor a retirement`);
  const predicate = statement.predicate ?? {};
  const { node, target, sequence, signedAt } = predicate;
  if (typeof node !== 'string' || node === '') throw invalid('the signed statement names no node');
  const targetName = typeof target === 'object' && target !== null && !Array.isArray(target) ? target['name'] : undefined;
  if (typeof targetName !== 'string' || targetName === '') throw invalid('the signed statement names no target');
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 1) {
    throw invalid('the signed statement carries no sequence number (signed by an older stella?); scan the target again');
  }
  if (typeof signedAt !== 'string' || Number.isNaN(Date.parse(signedAt))) throw invalid('the signed statement carries no signing time (signedAt)');
  return { kind, node, target: targetName, sequence, signedAt };
}

/**
 * The claim of a stored bundle and the SHA-256 of its statement, read
 * without checking the signature (see the module comment); undefined when
 * the bytes do not hold one.
 * @example const seen = await peekClaim(bundleBytes); seen?.claim.sequence
 */
export async function peekClaim(bundleBytes: Uint8Array): Promise<{ claim: ReportClaim; statementSha256: string } | undefined> {
  try {
    const bundle = JSON.parse(new TextDecoder().decode(bundleBytes)) as { dsseEnvelope?: { payload?: unknown } } | null;
    const payload = bundle?.dsseEnvelope?.payload;
    if (typeof payload !== 'string') return undefined;
    const bytes = base64Decode(payload, 'DSSE payload');
    return { claim: claimOf(parseStatement(bytes)), statementSha256: await sha256Hex(bytes) };
  } catch {
    // Not a statement with a claim: it sets no floor (its own check reports why it fails).
    return undefined;
  }
}

function invalid(reason: string): StellaError {
  return new StellaError('REPO_INVALID', reason);
}
