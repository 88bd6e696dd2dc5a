/**
 * Feeds only move forward. A validly signed older feed is still a rollback:
 * it hides what became known since. Each feed kind carries, inside the
 * bytes its signed manifest pins by SHA-256, a field that only grows:
 *
 * | feed | monotonic field | rule |
 * |---|---|---|
 * | OSV shards (`feeds/osv/`, Debian tracker data included) | each record's `modified` | no record dropped or older (`core/feeds/osv/rollback.ts`) |
 * | KEV (`feeds/kev/catalog.jsonl`) | header line `dateReleased` | not earlier than before |
 * | EPSS (`feeds/epss/scores.csv`) | comment line `score_date` | not earlier; not dropped once present |
 *
 * and a feed folder that had a manifest keeps one: a signed feed is
 * replaced by a newer signed feed, never removed. Because the floor is the
 * old tip's own signed content — not a record such as `kit/manifest.json`,
 * which an ordinary commit can delete — deleting the record and replaying
 * an old kit still meets it.
 *
 * @example
 *   const problem = await feedFloorProblem(store, oldTip, newTip); // { path: 'feeds/kev/catalog.jsonl', problem: '…' }
 */
import { EPSS_FEED_PATH } from '../feeds/epss/csv.js';
import { KEV_FEED_PATH } from '../feeds/kev/lines.js';
import type { GitStore } from '../git/git-store.js';
import type { TreeProblem } from '../git/tree-hygiene.js';

interface Table {
  path: string;
  /** The monotonic time in a table's bytes, or undefined when the table does not carry one. */
  date: (bytes: Uint8Array) => string | undefined;
  field: string;
}

const TABLES: readonly Table[] = [
  { path: KEV_FEED_PATH, date: kevDate, field: 'dateReleased' },
  { path: EPSS_FEED_PATH, date: epssDate, field: 'score_date' },
];

/** The first feed that `to` removes or moves back relative to `from` (tables and manifests; OSV records are checked apart). */
export async function feedFloorProblem(store: GitStore, from: string, to: string): Promise<TreeProblem | undefined> {
  for (const feed of await store.listFolder(from, 'feeds')) {
    if (feed.type !== 'tree') continue;
    const manifest = `feeds/${feed.path}/manifest.json`;
    if ((await store.readFile(from, manifest)) !== undefined && (await store.readFile(to, manifest)) === undefined) {
      return { path: manifest, problem: 'removes a signed feed; a feed is replaced by a newer signed version, never deleted' };
    }
  }
  for (const table of TABLES) {
    const problem = await tableProblem(store, table, from, to);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

async function tableProblem(store: GitStore, table: Table, from: string, to: string): Promise<TreeProblem | undefined> {
  const before = await store.readFile(from, table.path);
  if (before === undefined) return undefined;
  const after = await store.readFile(to, table.path);
  if (after === undefined) return { path: table.path, problem: 'deletes a signed table; it is replaced by a newer one, never removed' };
  const was = table.date(before);
  if (was === undefined) return undefined;
  const now = table.date(after);
  if (now === undefined) return { path: table.path, problem: `carries no ${table.field}, where the table it replaces was dated ${was}` };
  if (Date.parse(now) < Date.parse(was)) return { path: table.path, problem: `goes back from ${table.field} ${was} to ${now} (an older signed table is a rollback)` };
  return undefined;
}

function firstLine(bytes: Uint8Array): string {
  // The header is at the start: decode only what a header can need.
  const head = new TextDecoder().decode(bytes.subarray(0, 4096));
  return head.split('\n', 1)[0] ?? '';
}

/** KEV's `dateReleased` from the canonical header line. */
function kevDate(bytes: Uint8Array): string | undefined {
  try {
    const header = JSON.parse(firstLine(bytes)) as { dateReleased?: unknown };
    return typeof header.dateReleased === 'string' && !Number.isNaN(Date.parse(header.dateReleased)) ? header.dateReleased : undefined;
  } catch {
    return undefined;
  }
}

/** EPSS's `score_date` from the `#model_version:…,score_date:…` line (offset written as +0000). */
function epssDate(bytes: Uint8Array): string | undefined {
  const match = /(?:^#|,)score_date:([^,\s]+)/.exec(firstLine(bytes));
  if (match === null) return undefined;
  const iso = (match[1] as string).replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
}
