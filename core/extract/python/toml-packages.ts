/**
 * The `[[package]]` tables of a Python TOML lockfile, as Poetry
 * (`poetry.lock`) and uv (`uv.lock`) both write them: what each lockfile
 * does with a table is its own extractor's business.
 *
 * @example
 *   for (const [i, table] of packageTables(await parseToml(path, contents), warnings)) {
 *     // table['name'], table['version'], …
 *   }
 */
import { asMapping } from './common.js';

/**
 * The entries of the document's `package` array, each with its index and
 * as a mapping (`{}` for an entry that is not a table, so it is reported
 * as missing its name). A `package` that is not an array yields nothing
 * and adds a warning; no `package` at all yields nothing silently.
 *
 * @example
 *   packageTables({ package: [{ name: 'emoji', version: '2.14.0' }] }, warnings);
 *   // [[0, { name: 'emoji', version: '2.14.0' }]]
 */
export function packageTables(doc: Record<string, unknown>, warnings: string[]): [number, Record<string, unknown>][] {
  const tables = doc['package'];
  if (tables !== undefined && !Array.isArray(tables)) warnings.push('"package" is not an array of tables; nothing read');
  return Array.from(Array.isArray(tables) ? tables : [], (value: unknown, i) => [i, asMapping(value) ?? {}]);
}
