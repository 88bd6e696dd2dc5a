/**
 * The feed connector extension point. A connector recognises its source by
 * content (never by file name), reads it, and normalises what it holds into
 * the canonical form the state repository keeps. The caller does all I/O:
 * it reads files, walks folders and opens archives, and hands a connector
 * bytes. Connectors are pure: no filesystem, no network, no global state.
 *
 * Two kinds, by where the output goes:
 *
 * - `advisories`: records that become OSV records in the sharded advisory
 *   feed (`feeds/osv/`), merged with what is there. `records` streams a
 *   source's records cheaply; `normalise` checks one and returns it as a
 *   validated OSV record. OSV itself and the Debian DSA/DLA lists are these.
 * - `table`: an enrichment table replaced whole (`feeds/<feed>/<file>`),
 *   with its own manifest. `table` parses the source and writes the
 *   canonical file. CISA KEV and FIRST EPSS are these.
 *
 * @example
 *   const kev: FeedConnector = {
 *     kind: 'table', name: 'kev', feed: 'kev', path: 'feeds/kev/catalog.jsonl', maxSourceBytes: 64 << 20,
 *     description: "CISA's Known Exploited Vulnerabilities catalog (JSON)",
 *     recognise: (head) => looksLikeKev(head),
 *     table: ({ name, bytes }) => ({ file: formatKev(bytes, name), rows: 1404, warnings: [] }),
 *   };
 */
import type { ValidatedRecord } from './osv/validate.js';

/** How many leading bytes of a file `recognise` is given (fewer when the file is shorter). */
export const RECOGNISE_BYTES = 4096;

/**
 * One source as a connector sees it: its stable name (used in the manifest
 * and in every warning) and its bytes.
 *
 * @example
 *   { name: 'DSA/list', bytes }
 */
export interface FeedSource {
  name: string;
  bytes: Uint8Array;
}

/**
 * One record of a source before it is checked: the JSON bytes of an OSV
 * file, or a record a connector already built in memory (a tracker entry
 * turned into OSV). `label` names it in warnings (`npm/all.zip:GHSA-….json`).
 *
 * @example
 *   { $case: 'json', label: 'advisories/GHSA-xxxx.json', bytes }
 */
export type RawRecord = { label: string } & ({ $case: 'json'; bytes: Uint8Array } | { $case: 'value'; value: unknown });

/**
 * What `records` yields: a record to normalise, or a problem with part of
 * the source that did not stop the rest from being read.
 *
 * @example
 *   for (const item of connector.records(source)) if (item.$case === 'warning') warn(item.message);
 */
export type FeedItem = { $case: 'record'; record: RawRecord } | { $case: 'warning'; message: string };

/**
 * A table connector's canonical file and what went into it.
 *
 * @example
 *   { file: bytes, rows: 1404, warnings: [] }
 */
export interface NormalisedTable {
  /** The canonical file: sorted, line-oriented, the same bytes for the same content. */
  file: Uint8Array;
  rows: number;
  /** Parts of the source that were skipped, one line each, naming the source. */
  warnings: string[];
}

interface ConnectorBase {
  /** Unique, stable name: keys summaries, commit messages and the registry. */
  readonly name: string;
  /** One line for help texts: what the source is. */
  readonly description: string;
  /** The folder under `feeds/` whose manifest lists this connector's sources. */
  readonly feed: string;
  /** Largest source (or, for advisories, single record file) accepted; bigger ones are skipped with a warning. */
  readonly maxSourceBytes: number;
  /**
   * True when a file starting with `head` (its first RECOGNISE_BYTES bytes,
   * or all of a shorter file) is this connector's format. Pure and cheap;
   * never throws.
   */
  recognise(head: Uint8Array): boolean;
}

/**
 * A connector whose records join the sharded OSV advisory feed.
 *
 * @example
 *   for (const item of osvConnector.records({ name: 'GHSA-x.json', bytes })) {
 *     if (item.$case === 'record') shard(osvConnector.normalise(item.record).record);
 *   }
 */
export interface AdvisoryConnector extends ConnectorBase {
  readonly kind: 'advisories';
  /**
   * Streams the records of one source in source order. Throws a StellaError
   * only when the source as a whole is unusable; a bad part is a warning.
   */
  records(source: FeedSource): Iterable<FeedItem>;
  /** Checks one record and returns it as an OSV record; throws a StellaError when it cannot be used. */
  normalise(record: RawRecord): ValidatedRecord;
}

/**
 * A connector whose source becomes one canonical table file.
 *
 * @example
 *   const { file, rows } = epssConnector.table({ name: 'epss_scores-2023-11-28.csv', bytes });
 */
export interface TableConnector extends ConnectorBase {
  readonly kind: 'table';
  /** Path of the table file in the state repository (`feeds/kev/catalog.jsonl`); its manifest sits beside it. */
  readonly path: string;
  /** Parses the whole source and writes the canonical file; throws a StellaError when the source is unusable. */
  table(source: FeedSource): NormalisedTable;
}

/**
 * Any feed connector; `kind` tells the two apart.
 *
 * @example
 *   if (connector.kind === 'table') files.set(connector.path, connector.table(source).file);
 */
export type FeedConnector = AdvisoryConnector | TableConnector;
