/**
 * The OSV connector: one OSV record per JSON file, as osv.dev serves them
 * (alone, in folders, or as the entries of `<Ecosystem>/all.zip`; opening
 * folders and archives is the caller's I/O).
 *
 * @example
 *   const [item] = osvConnector.records({ name: 'GHSA-29mw-wpgm-hmr9.json', bytes });
 */
import type { AdvisoryConnector, FeedItem, FeedSource } from '../connector.js';
import { normaliseOsvRecord } from './normalise.js';

/** Largest single record file accepted (the largest real OSV record is far below). */
export const OSV_MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Every top-level field of the OSV schema (1.6); a record's first member is one of them. */
const OSV_FIELDS = new Set([
  'schema_version', 'id', 'modified', 'published', 'withdrawn', 'aliases', 'upstream', 'related',
  'summary', 'details', 'severity', 'affected', 'references', 'credits', 'database_specific',
]);
const FIRST_MEMBER_RE = /^\s*\{\s*"([a-z_]{1,32})"\s*:/;

/**
 * True when the text opens a JSON object whose first member is an OSV
 * field: the one thing every OSV record shares, whatever its key order,
 * and which a KEV catalog (`title` first) or any CSV does not.
 */
function recognise(head: Uint8Array): boolean {
  const text = new TextDecoder().decode(head.subarray(0, 256)).replace(/^\uFEFF/, '');
  const field = FIRST_MEMBER_RE.exec(text)?.[1];
  return field !== undefined && OSV_FIELDS.has(field);
}

function* records(source: FeedSource): Iterable<FeedItem> {
  yield { $case: 'record', record: { $case: 'json', label: source.name, bytes: source.bytes } };
}

/**
 * OSV JSON, one record per file.
 *
 * @example
 *   osvConnector.recognise(new TextEncoder().encode('{"id":"GHSA-…","modified":"…"}')); // true
 */
export const osvConnector: AdvisoryConnector = Object.freeze({
  kind: 'advisories',
  name: 'osv',
  description: "OSV records: single JSON files, folders of them, or osv.dev's <Ecosystem>/all.zip",
  feed: 'osv',
  maxSourceBytes: OSV_MAX_RECORD_BYTES,
  recognise,
  records,
  normalise: normaliseOsvRecord,
});
