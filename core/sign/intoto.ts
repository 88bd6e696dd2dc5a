/**
 * in-toto Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md):
 * which artifacts (`subject`, by digest) a claim (`predicate`) is about.
 * Statements are written as canonical JSON so the signed bytes are
 * reproducible; reading is strict because the result decides trust.
 */
import { parseUntrustedJson } from '../json/untrusted.js';
import { StellaError } from '../errors.js';
import { canonicalJsonBytes } from './canonical-json.js';
import type { JsonObject } from './canonical-json.js';
import { utf8Decode } from './encoding.js';

/** `_type` of an in-toto Statement v1. */
export const INTOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** One artifact a statement is about; `digest` maps algorithm to hex. */
export interface InTotoSubject {
  name: string;
  digest: Record<string, string>;
}

/** An in-toto Statement v1 as read back from JSON. */
export interface InTotoStatement {
  _type: typeof INTOTO_STATEMENT_V1;
  subject: InTotoSubject[];
  predicateType: string;
  /** Optional in Statement v1; absent stays absent. */
  predicate?: JsonObject;
}

/** An artifact named by its SHA-256, as a caller has it at hand. */
export interface ArtifactDigest {
  name: string;
  /** Lowercase or uppercase hex SHA-256 of the artifact bytes. */
  sha256: string;
}

/** What {@link buildStatement} needs. */
export interface StatementInput {
  subjects: ArtifactDigest[];
  predicateType: string;
  predicate: JsonObject;
}

function invalid(reason: string): StellaError {
  return new StellaError('JSON_INVALID', `in-toto statement: ${reason}`);
}

function normalSha256(hex: string, where: string): string {
  const lower = hex.toLowerCase();
  if (!SHA256_HEX.test(lower)) throw invalid(`${where} is not a 64-digit hex SHA-256`);
  return lower;
}

/**
 * The canonical JSON bytes of a Statement v1 about `subjects`.
 * Throws JSON_INVALID for no subjects, a bad digest, or an empty predicateType.
 * @example buildStatement({ subjects: [{ name: 'app.tgz', sha256 }], predicateType: 'https://stella.dev/scan/v1', predicate: { findings: 0 } })
 */
export function buildStatement(input: StatementInput): Uint8Array<ArrayBuffer> {
  if (input.subjects.length === 0) throw invalid('at least one subject is required');
  if (input.predicateType === '') throw invalid('predicateType must not be empty');
  return canonicalJsonBytes({
    _type: INTOTO_STATEMENT_V1,
    subject: input.subjects.map((s, i) => ({ name: s.name, digest: { sha256: normalSha256(s.sha256, `subject[${i}].digest.sha256`) } })),
    predicateType: input.predicateType,
    predicate: input.predicate,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseSubject(value: unknown, i: number): InTotoSubject {
  if (!isRecord(value)) throw invalid(`subject[${i}] is not an object`);
  const { name, digest } = value;
  if (typeof name !== 'string') throw invalid(`subject[${i}].name is not a string`);
  if (!isRecord(digest) || Object.keys(digest).length === 0) throw invalid(`subject[${i}].digest is missing or empty`);
  const out: Record<string, string> = {};
  for (const [alg, hex] of Object.entries(digest)) {
    if (typeof hex !== 'string') throw invalid(`subject[${i}].digest.${alg} is not a string`);
    out[alg] = hex;
  }
  if (out['sha256'] !== undefined) normalSha256(out['sha256'], `subject[${i}].digest.sha256`);
  return { name, digest: out };
}

/**
 * Reads a Statement v1 from bytes (strict UTF-8, JSON, exact `_type`, at
 * least one subject with a digest, string predicateType, object predicate).
 * Throws JSON_INVALID naming the failed field.
 * @example const statement = parseStatement(payloadBytes); statement.predicateType
 */
export function parseStatement(bytes: Uint8Array): InTotoStatement {
  let value: unknown;
  try {
    value = parseUntrustedJson('in-toto statement', utf8Decode(bytes, 'in-toto statement'));
  } catch (cause) {
    if (cause instanceof StellaError) throw cause;
    throw invalid('payload is not JSON');
  }
  if (!isRecord(value)) throw invalid('not a JSON object');
  if (value['_type'] !== INTOTO_STATEMENT_V1) throw invalid(`_type is ${JSON.stringify(value['_type'])}, expected "${INTOTO_STATEMENT_V1}"`);
  const { subject, predicateType, predicate } = value;
  if (!Array.isArray(subject) || subject.length === 0) throw invalid('subject is missing or empty');
  if (typeof predicateType !== 'string' || predicateType === '') throw invalid('predicateType is missing or empty');
  if (predicate !== undefined && !isRecord(predicate)) throw invalid('predicate is not an object');
  const statement: InTotoStatement = { _type: INTOTO_STATEMENT_V1, subject: subject.map(parseSubject), predicateType };
  if (predicate !== undefined) statement.predicate = predicate as JsonObject;
  return statement;
}

/**
 * The subject whose sha256 equals the artifact's (and whose name equals it,
 * when a name is given), or undefined.
 * @example findSubject(statement, { name: 'app.tgz', sha256 })?.name
 */
export function findSubject(statement: InTotoStatement, artifact: { name?: string; sha256: string }): InTotoSubject | undefined {
  const want = artifact.sha256.toLowerCase();
  return statement.subject.find(
    (s) => s.digest['sha256']?.toLowerCase() === want && (artifact.name === undefined || s.name === artifact.name),
  );
}

/**
 * Like {@link findSubject}, but throws DIGEST_MISMATCH when no subject matches.
 * @example assertSubject(statement, { name: 'app.tgz', sha256: await sha256Hex(bytes) });
 */
export function assertSubject(statement: InTotoStatement, artifact: { name?: string; sha256: string }): InTotoSubject {
  const found = findSubject(statement, artifact);
  if (found !== undefined) return found;
  const label = artifact.name === undefined ? `sha256:${artifact.sha256}` : `${artifact.name} (sha256:${artifact.sha256})`;
  throw new StellaError('DIGEST_MISMATCH', `artifact ${label} is not a subject of the statement; it names ${statement.subject.map((s) => s.name).join(', ')}`);
}
