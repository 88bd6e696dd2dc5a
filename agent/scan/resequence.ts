/**
 * Moving a signed report (or retirement) to a later place in its target's
 * line: the same statement — same subjects, node, target, everything —
 * with a new `sequence` and signing time, signed again.
 *
 * Why: two processes of one node may both scan a target and sign sequence
 * N. When the second replays its commit onto the first's (`stella push`
 * after a lost race), its report lands on top; with the same N it would
 * "repeat a sequence with other content", which verification refuses as a
 * replay. Re-signing at N+1 makes the newer report what its position says.
 *
 * @example
 *   const bundle = await resequenceBundle(bundleBytes, 5, key, new Date());
 */
import { StellaError } from '../../core/errors.js';
import { parseUntrustedJson } from '../../core/json/untrusted.js';
import { bundleToJson, createBundle } from '../../core/sign/bundle.js';
import { parseEnvelope } from '../../core/sign/dsse.js';
import { base64Decode } from '../../core/sign/encoding.js';
import { buildStatement, parseStatement } from '../../core/sign/intoto.js';
import type { SigningKey } from '../../core/sign/keys.js';

/**
 * The bundle's statement re-signed by `key` with `sequence` and `now` as its freshness fields.
 * Throws SIGNATURE_INVALID when the bytes hold no DSSE in-toto statement.
 */
export async function resequenceBundle(bundleBytes: Uint8Array, sequence: number, key: SigningKey, now: Date): Promise<Uint8Array> {
  const bundle = parseUntrustedJson('report bundle', new TextDecoder().decode(bundleBytes));
  const envelopeValue = typeof bundle === 'object' && bundle !== null ? (bundle as { dsseEnvelope?: unknown }).dsseEnvelope : undefined;
  if (envelopeValue === undefined) throw new StellaError('SIGNATURE_INVALID', 'report bundle holds no DSSE envelope to re-sign');
  const statement = parseStatement(base64Decode(parseEnvelope(envelopeValue).payload, 'DSSE payload'));
  const resigned = buildStatement({
    subjects: statement.subject.map((s) => ({ name: s.name, sha256: s.digest['sha256'] ?? '' })),
    predicateType: statement.predicateType,
    predicate: { ...statement.predicate, sequence, signedAt: now.toISOString() },
  });
  return new TextEncoder().encode(`${bundleToJson(await createBundle(resigned, key))}\n`);
}
