/**
 * The explicit list of exporters, and the registry built from it. Adding
 * an exporter means adding it to `builtinExporters`; `stella scan
 * --format` offers exactly these names.
 *
 * @example
 *   const out = await defaultExporters.get('json').render(report, {});
 */
import { StellaError } from '../errors.js';
import { cyclonedxExporter } from './cyclonedx/exporter.js';
import { cyclonedxVexExporter } from './cyclonedx-vex/exporter.js';
import type { Exporter } from './exporter.js';
import { jsonExporter } from './json/json.js';
import { markdownExporter } from './markdown/markdown.js';
import { openvexExporter } from './openvex/openvex.js';
import { sarifExporter } from './sarif/sarif.js';
import { spdxExporter } from './spdx/spdx.js';
import { tableExporter } from './table/table.js';

/**
 * Every exporter Stella Mesh ships, in the order help texts list them.
 *
 * @example
 *   builtinExporters.map((e) => e.name); // ['table', 'json', 'cyclonedx', 'spdx', 'sarif', 'openvex', 'cyclonedx-vex', 'markdown']
 */
export const builtinExporters: readonly Exporter[] = Object.freeze([
  tableExporter,
  jsonExporter,
  cyclonedxExporter,
  spdxExporter,
  sarifExporter,
  openvexExporter,
  cyclonedxVexExporter,
  markdownExporter,
]);

/**
 * A fixed set of exporters with unique names.
 *
 * @example
 *   createExporterRegistry(builtinExporters).names; // ['table', 'json', 'cyclonedx']
 */
export interface ExporterRegistry {
  readonly exporters: readonly Exporter[];
  /** Their names, in registry order: the `--format` choices. */
  readonly names: readonly string[];
  /** The exporter with this name, if registered. */
  byName(name: string): Exporter | undefined;
  /** The exporter with this name; throws USAGE naming the choices when there is none. */
  get(name: string): Exporter;
}

/**
 * Builds a registry; refuses two exporters with the same name, since the
 * name is what a user types.
 *
 * @example
 *   createExporterRegistry([jsonExporter, jsonExporter]); // throws StellaError INTERNAL
 */
export function createExporterRegistry(exporters: readonly Exporter[]): ExporterRegistry {
  const byName = new Map<string, Exporter>();
  for (const exporter of exporters) {
    if (byName.has(exporter.name)) throw new StellaError('INTERNAL', `exporter registry: two exporters are named "${exporter.name}"`);
    byName.set(exporter.name, exporter);
  }
  const names = Object.freeze([...byName.keys()]);
  return {
    exporters: Object.freeze([...exporters]),
    names,
    byName: (name) => byName.get(name),
    get: (name) => {
      const exporter = byName.get(name);
      if (exporter === undefined) throw new StellaError('USAGE', `unknown format '${name}' (choose from ${names.join(', ')})`);
      return exporter;
    },
  };
}

/**
 * The registry of `builtinExporters`.
 *
 * @example
 *   defaultExporters.byName('cyclonedx')?.mediaType; // 'application/vnd.cyclonedx+json'
 */
export const defaultExporters: ExporterRegistry = createExporterRegistry(builtinExporters);
