/**
 * One raw advisory record to a checked OSV record: the step every
 * advisory connector shares, so OSV files and records built from other
 * formats pass the same validator on their way into the shards.
 *
 * @example
 *   const { record, warnings } = normaliseOsvRecord({ $case: 'json', label: 'GHSA-x.json', bytes });
 */
import { parseUntrustedJson } from '../../json/untrusted.js';
import { StellaError } from '../../errors.js';
import type { RawRecord } from '../connector.js';
import { validateOsvRecord, type ValidatedRecord } from './validate.js';

/**
 * Parses (when given bytes) and validates one record. Throws JSON_INVALID or
 * ADVISORY_INVALID, naming the record's label.
 *
 * @example
 *   normaliseOsvRecord({ $case: 'value', label: 'DSA/list:DSA-5380-1', value: record }).record.id; // 'DSA-5380-1'
 */
export function normaliseOsvRecord(raw: RawRecord): ValidatedRecord {
  const value = raw.$case === 'json' ? parseJson(raw.bytes, raw.label) : raw.value;
  return validateOsvRecord(value, raw.label);
}

function parseJson(bytes: Uint8Array, label: string): unknown {
  try {
    return parseUntrustedJson(label, new TextDecoder('utf-8').decode(bytes));
  } catch (error) {
    throw new StellaError('JSON_INVALID', `${label}: not valid JSON (${(error as Error).message})`);
  }
}
