/**
 * One KEV vulnerability, checked against CISA's schema, and the collector
 * that gathers them. Shared by the JSON catalog (`catalog.ts`) and the
 * state repository's line format (`lines.ts`), so both accept and refuse
 * exactly the same entries.
 *
 * @example
 *   const collector = new KevCollector('kev.json');
 *   collector.add({ cveID: 'CVE-2021-44228', … }, 'vulnerabilities[0]');
 *   const { catalog, skipped } = collector.finish({ catalogVersion: '2025.08.25', dateReleased: '…' });
 */
import { compareCveIds, isCveId } from './cve.js';

/**
 * What the catalog says about one CVE.
 *
 * @example
 *   { dateAdded: '2021-12-10', dueDate: '2021-12-24', knownRansomwareCampaignUse: 'Known',
 *     vendorProject: 'Apache', product: 'Log4j2', shortDescription: 'Apache Log4j2 contains …' }
 */
export interface KevEntry {
  /** `YYYY-MM-DD`: when CISA added the CVE. */
  dateAdded: string;
  /**
   * `YYYY-MM-DD`: when US federal agencies must have remediated it. Can be
   * before `dateAdded`: CVEs carried over from earlier directives kept their due dates.
   */
  dueDate: string;
  /** `Unknown` means CISA has no confirmation, not that there is none. */
  knownRansomwareCampaignUse: 'Known' | 'Unknown';
  vendorProject: string;
  product: string;
  shortDescription?: string;
}

/**
 * The catalog-level fields.
 *
 * @example
 *   { catalogVersion: '2025.08.25', dateReleased: '2025-08-25T17:04:19.9796Z' }
 */
export interface KevHeader {
  catalogVersion: string;
  /** As CISA wrote it (an ISO 8601 date-time). */
  dateReleased: string;
}

/**
 * The catalog as Stella keeps it: entries keyed by CVE id, in CVE order.
 *
 * @example
 *   { catalogVersion: '2025.08.25', dateReleased: '2025-08-25T17:04:19.9796Z', entries: Map(1404) { … } }
 */
export interface KevCatalog extends KevHeader {
  entries: ReadonlyMap<string, KevEntry>;
}

/**
 * A parsed catalog and what was left out.
 *
 * @example
 *   { catalog: { … }, skipped: 0, warnings: [] }
 */
export interface KevParse {
  catalog: KevCatalog;
  /** Vulnerabilities that broke the schema or repeated a CVE already read. */
  skipped: number;
  /** One line per problem (the first MAX_WARNINGS only). */
  warnings: string[];
}

/**
 * A broken catalog could give one warning per entry; the first few say enough.
 *
 * @example
 *   warnings.length <= MAX_WARNINGS; // true, however many entries were skipped
 */
export const MAX_WARNINGS = 50;

/** Longest catalogVersion accepted; CISA's are `YYYY.MM.DD`. */
const MAX_VERSION_LENGTH = 64;
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Strings go into canonical JSON, which has no form for a lone surrogate.
const LONE_SURROGATE_RE = /\p{Cs}/u;

/**
 * Reads the catalog-level fields, calling `fail` (which throws) when one is
 * missing or malformed: without them the catalog cannot be identified.
 *
 * @example
 *   readKevHeader({ catalogVersion: '2025.08.25', dateReleased: '2025-08-25T17:04:19.9796Z' }, fail);
 */
export function readKevHeader(json: Record<string, unknown>, fail: (problem: string) => never): KevHeader {
  const catalogVersion = json['catalogVersion'];
  if (typeof catalogVersion !== 'string' || !/^[\x21-\x7e]+$/.test(catalogVersion) || catalogVersion.length > MAX_VERSION_LENGTH) {
    return fail('missing or invalid "catalogVersion"');
  }
  const dateReleased = json['dateReleased'];
  if (typeof dateReleased !== 'string' || !DATE_TIME_RE.test(dateReleased) || Number.isNaN(Date.parse(dateReleased))) {
    return fail('missing or invalid "dateReleased" (expected an ISO 8601 date-time)');
  }
  return { catalogVersion, dateReleased };
}

/**
 * Gathers entries, skipping and counting bad and repeated ones, and hands
 * them back in CVE order.
 *
 * @example
 *   const collector = new KevCollector('kev.json');
 *   collector.add(vulnerability, 'vulnerabilities[3]');
 *   collector.finish(header).catalog.entries.size;
 */
export class KevCollector {
  private readonly source: string;
  private readonly entries = new Map<string, KevEntry>();
  private skipped = 0;
  private readonly warnings: string[] = [];

  constructor(source: string) {
    this.source = source;
  }

  /** Adds one vulnerability (`cveID` plus the catalog's fields); `where` names it in warnings. */
  add(item: unknown, where: string): void {
    const read = readEntry(item);
    if (typeof read === 'string') return this.skip(`${this.source}: ${where}: skipped: ${read}`);
    const [cve, entry] = read;
    // The first wins: a catalog is one document, and its order is CISA's.
    if (this.entries.has(cve)) return this.skip(`${this.source}: ${where}: skipped: ${cve} is listed twice`);
    this.entries.set(cve, entry);
  }

  /** Counts an item that could not be read at all (a line that is not JSON). */
  skip(warning: string): void {
    this.skipped += 1;
    this.warn(warning);
  }

  /** A problem that loses nothing (a wrong `count`). */
  warn(warning: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(warning);
  }

  finish(header: KevHeader): KevParse {
    const ids = [...this.entries.keys()].sort(compareCveIds);
    const entries = new Map<string, KevEntry>();
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (entry !== undefined) entries.set(id, entry);
    }
    return {
      catalog: { catalogVersion: header.catalogVersion, dateReleased: header.dateReleased, entries },
      skipped: this.skipped,
      warnings: [...this.warnings],
    };
  }
}

/** One vulnerability as [cve, entry], or the reason it cannot be used. */
function readEntry(item: unknown): [string, KevEntry] | string {
  if (!isObject(item)) return 'not an object';
  const cve = item['cveID'];
  if (typeof cve !== 'string' || !isCveId(cve)) return `"cveID" ${describe(cve)} is not a CVE id`;
  const dateAdded = item['dateAdded'];
  const dueDate = item['dueDate'];
  if (!isCalendarDate(dateAdded)) return `${cve}: "dateAdded" ${describe(dateAdded)} is not a YYYY-MM-DD date`;
  if (!isCalendarDate(dueDate)) return `${cve}: "dueDate" ${describe(dueDate)} is not a YYYY-MM-DD date`;
  // Catalogs before late 2022 had no ransomware field; CISA's meaning of "Unknown" covers them.
  const ransomware = item['knownRansomwareCampaignUse'] ?? 'Unknown';
  if (ransomware !== 'Known' && ransomware !== 'Unknown') return `${cve}: "knownRansomwareCampaignUse" is neither "Known" nor "Unknown"`;
  const vendorProject = text(item['vendorProject']);
  const product = text(item['product']);
  if (vendorProject === undefined || vendorProject === '') return `${cve}: missing or invalid "vendorProject"`;
  if (product === undefined || product === '') return `${cve}: missing or invalid "product"`;
  const entry: KevEntry = { dateAdded, dueDate, knownRansomwareCampaignUse: ransomware, vendorProject, product };
  const description = item['shortDescription'];
  if (description !== undefined) {
    const trimmed = text(description);
    if (trimmed === undefined) return `${cve}: invalid "shortDescription"`;
    if (trimmed !== '') entry.shortDescription = trimmed;
  }
  return [cve, entry];
}

/** A value, shortened, for a warning. */
function describe(value: unknown): string {
  return value === undefined ? '(missing)' : (JSON.stringify(value) ?? String(value)).slice(0, 40);
}

/** A string trimmed (CISA's values sometimes end in a blank), or undefined if unusable. */
function text(value: unknown): string | undefined {
  if (typeof value !== 'string' || LONE_SURROGATE_RE.test(value)) return undefined;
  return value.trim();
}

function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DATE_RE.exec(value);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const time = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2023-02-30 over into March (and years below 100 into the 1900s): a round trip catches both.
  return time.getUTCFullYear() === year && time.getUTCMonth() === month - 1 && time.getUTCDate() === day;
}

/**
 * True for a plain JSON object (not null, not an array).
 *
 * @example
 *   isObject({}); // true
 *   isObject([]); // false
 */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
