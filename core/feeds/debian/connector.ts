/**
 * The Debian security tracker connector: a DSA or DLA list
 * (`data/DSA/list`, `data/DLA/list`) becomes one OSV record per advisory,
 * which joins the advisory feed like any OSV record (see `to-osv.ts` for
 * the mapping).
 *
 * @example
 *   for (const item of debianTrackerConnector.records({ name: 'DSA/list', bytes })) { … }
 */
import type { AdvisoryConnector, FeedItem, FeedSource } from '../connector.js';
import { normaliseOsvRecord } from '../osv/normalise.js';
import { debianTrackerListToOsv } from './to-osv.js';
import { isDebianTrackerList } from './tracker-list.js';

/** The DSA list is about 4 MB after twenty years; sixteen times that is no tracker list. */
const MAX_LIST_BYTES = 64 * 1024 * 1024;

/** Warnings first (they describe the whole list), then the records in list order. */
function* records(source: FeedSource): Iterable<FeedItem> {
  const parsed = debianTrackerListToOsv(source.bytes, source.name);
  for (const message of parsed.warnings) yield { $case: 'warning', message };
  for (const record of parsed.records) {
    yield { $case: 'record', record: { $case: 'value', label: `${source.name}:${record.id}`, value: record } };
  }
}

/**
 * DSA/DLA lists of the Debian security tracker.
 *
 * @example
 *   debianTrackerConnector.recognise(new TextEncoder().encode('[29 Mar 2023] DSA-5380-1 xorg-server - security update\n')); // true
 */
export const debianTrackerConnector: AdvisoryConnector = Object.freeze({
  kind: 'advisories',
  name: 'debian-tracker',
  description: "the Debian security tracker's DSA/DLA lists (data/DSA/list, data/DLA/list)",
  feed: 'osv',
  maxSourceBytes: MAX_LIST_BYTES,
  recognise: isDebianTrackerList,
  records,
  normalise: normaliseOsvRecord,
});
