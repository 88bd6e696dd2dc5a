/**
 * Where the matcher gets advisories from: the agent's LevelDB index, or any
 * other store (a Worker's KV) that can answer "which records name these
 * packages". Records are OSV, trimmed to what matching and reports need.
 */
import type { OsvRecord } from '../model/osv.js';

export interface PackageKey {
  /** OSV ecosystem exactly as advisories spell it: `npm`, `Debian:12`. */
  ecosystem: string;
  name: string;
}

export interface AdvisorySource {
  /** For each package, the records with an `affected` entry naming it (possibly none). */
  recordsFor(packages: readonly PackageKey[]): Promise<Map<string, OsvRecord[]>>;
  /**
   * How many records (not withdrawn) name each ecosystem, keyed exactly as
   * `PackageKey.ecosystem` (`Debian:12`): what a report's coverage counts.
   */
  ecosystemCounts(): Promise<ReadonlyMap<string, number>>;
}

/** The ecosystems a record names in its `affected` entries (none when withdrawn: it never matches). */
export function ecosystemsOf(record: OsvRecord): Set<string> {
  const ecosystems = new Set<string>();
  if (record.withdrawn !== undefined) return ecosystems;
  for (const affected of record.affected ?? []) if (affected.package !== undefined) ecosystems.add(affected.package.ecosystem);
  return ecosystems;
}

/** The map key used by `recordsFor`. */
export function packageKey(pkg: PackageKey): string {
  return `${pkg.ecosystem}\u0000${pkg.name}`;
}

/** The part of a record kept in an index: everything but long prose and links. */
export function trimRecord(record: OsvRecord): OsvRecord {
  const trimmed: OsvRecord = { id: record.id, modified: record.modified };
  if (record.published !== undefined) trimmed.published = record.published;
  if (record.withdrawn !== undefined) trimmed.withdrawn = record.withdrawn;
  if (record.aliases !== undefined) trimmed.aliases = record.aliases;
  if (record.summary !== undefined) trimmed.summary = record.summary;
  if (record.severity !== undefined) trimmed.severity = record.severity;
  if (record.affected !== undefined) trimmed.affected = record.affected;
  const severity = record.database_specific?.['severity'];
  if (severity !== undefined) trimmed.database_specific = { severity };
  return trimmed;
}
