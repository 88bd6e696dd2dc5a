/**
 * How NVD's CVSS vectors are kept in the state repository: one file, one
 * line per CVE and CVSS version, so a pull request shows which scores NVD
 * added or changed.
 *
 *   feeds/nvd/cvss.tsv
 *   # stella.nvd-cvss/v1
 *   CVE-2014-1829	CVSS_V2	Primary	AV:N/AC:L/Au:N/C:P/I:N/A:N
 *   CVE-2023-32681	CVSS_V3	Primary	CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N
 *
 * Columns: CVE id, OSV severity type, `Primary` (scored by NVD) or
 * `Secondary` (scored by the CVE's numbering authority), vector. Lines are
 * in CVE order (year, then number), then by type, so the same data always
 * gives the same bytes. Scores are not stored: they are computed from the
 * vector when a finding is rated.
 *
 * @example
 *   parseNvdTable(new TextEncoder().encode(formatNvdTable(rows)), NVD_FEED_PATH).rows; // equal to `rows`
 */
import { StellaError } from '../../errors.js';
import { compareCveIds, isCveId } from '../kev/cve.js';

/**
 * Where the table lives in the state repository.
 *
 * @example
 *   await store.readFile(commit, NVD_FEED_PATH);
 */
export const NVD_FEED_PATH = 'feeds/nvd/cvss.tsv';

/** The first line; a new layout gets a new version. */
export const NVD_TABLE_HEADER = '# stella.nvd-cvss/v1';

/** The CVSS versions kept, as OSV names them. */
export type NvdCvssType = 'CVSS_V2' | 'CVSS_V3' | 'CVSS_V4';

/**
 * One CVSS vector NVD publishes for a CVE.
 *
 * @example
 *   { cve: 'CVE-2023-32681', type: 'CVSS_V3', primary: true, vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N' }
 */
export interface NvdCvssRow {
  cve: string;
  type: NvdCvssType;
  /** True when NVD scored it itself (`Primary`), false for the numbering authority's score (`Secondary`). */
  primary: boolean;
  vector: string;
}

const TYPES: readonly NvdCvssType[] = ['CVSS_V2', 'CVSS_V3', 'CVSS_V4'];
const VECTOR_RE = /^[A-Za-z0-9:./]+$/;

/** True when `vector` looks like a vector of `type` (its prefix and characters); scoring checks the rest. */
export function isNvdVector(type: NvdCvssType, vector: string): boolean {
  if (!VECTOR_RE.test(vector)) return false;
  switch (type) {
    case 'CVSS_V2':
      return vector.startsWith('AV:');
    case 'CVSS_V3':
      return vector.startsWith('CVSS:3.0/') || vector.startsWith('CVSS:3.1/');
    case 'CVSS_V4':
      return vector.startsWith('CVSS:4.0/');
    default:
      throw new StellaError('INTERNAL', `nvd table: unknown CVSS type ${String(type)}`);
  }
}

/** Table order: CVE (year, then number), then type. */
export function compareNvdRows(a: NvdCvssRow, b: NvdCvssRow): number {
  return compareCveIds(a.cve, b.cve) || TYPES.indexOf(a.type) - TYPES.indexOf(b.type);
}

/**
 * The canonical text: the header, then one line per row in table order.
 *
 * @example
 *   formatNvdTable([]); // '# stella.nvd-cvss/v1\n'
 */
export function formatNvdTable(rows: readonly NvdCvssRow[]): string {
  const lines = [...rows].sort(compareNvdRows).map((row) => `${row.cve}\t${row.type}\t${row.primary ? 'Primary' : 'Secondary'}\t${row.vector}`);
  return `${[NVD_TABLE_HEADER, ...lines].join('\n')}\n`;
}

/**
 * Reads the table back; throws a StellaError naming `source` and the line
 * when it is not a table this version wrote (it is signed, so a bad line
 * means a bug or tampering, not a feed to read around).
 *
 * @example
 *   parseNvdTable(bytes, NVD_FEED_PATH).rows.length;
 */
export function parseNvdTable(bytes: Uint8Array, source: string): { rows: NvdCvssRow[] } {
  const lines = new TextDecoder().decode(bytes).split('\n');
  if (lines[0] !== NVD_TABLE_HEADER) throw new StellaError('ADVISORY_INVALID', `${source}: not an NVD CVSS table (first line is not '${NVD_TABLE_HEADER}')`);
  const rows: NvdCvssRow[] = [];
  lines.slice(1).forEach((line, index) => {
    if (line === '') return;
    const [cve = '', type = '', origin = '', vector = '', extra] = line.split('\t');
    const known = (TYPES as readonly string[]).includes(type);
    if (extra !== undefined || !isCveId(cve) || !known || (origin !== 'Primary' && origin !== 'Secondary') || !isNvdVector(type as NvdCvssType, vector)) {
      throw new StellaError('ADVISORY_INVALID', `${source}: line ${index + 2} is not '<CVE>\\t<CVSS_V2|CVSS_V3|CVSS_V4>\\t<Primary|Secondary>\\t<vector>'`);
    }
    rows.push({ cve, type: type as NvdCvssType, primary: origin === 'Primary', vector });
  });
  return { rows };
}
