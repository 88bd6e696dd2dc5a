/**
 * The exporter extension point: a report out in one format. An exporter
 * has a name (`stella scan --format <name>`), says what it writes (media
 * type, file extension, whether it is meant for a person at a terminal),
 * and renders a report to text or bytes. Exporters are pure: no
 * filesystem, no clock, no global state; what a format needs beyond the
 * report comes in the context. The same report and context give the same
 * bytes.
 *
 * @example
 *   const json: Exporter = {
 *     name: 'json', description: 'the report', mediaType: 'application/json', fileExtension: '.json', terminal: false, usesTimestamp: false,
 *     render: (report) => serializeReport(report),
 *   };
 */
import type { Report } from '../model/report.js';

/**
 * What a format may need besides the report. Every field is optional and
 * an exporter must be deterministic without them.
 *
 * @example
 *   { timestamp: '2025-08-25T00:00:00Z' }
 */
export interface ExportContext {
  /**
   * The caller's clock (ISO 8601), for formats whose documents must carry a
   * time (OpenVEX, SARIF runs). Exporters never read a clock themselves:
   * without one they use a time derived from the report or leave it out.
   */
  timestamp?: string;
  /** Width of the terminal, for `terminal` formats that wrap or truncate; absent when the output is not a terminal. */
  columns?: number;
  /**
   * True when a `terminal` format may use ANSI colours: the caller decides
   * (a TTY, no `NO_COLOR`, no `--no-color`, not writing to a file).
   */
  color?: boolean;
}

/**
 * What `render` returns: text (written as UTF-8) or bytes.
 *
 * @example
 *   const bytes = typeof out === 'string' ? new TextEncoder().encode(out) : out;
 */
export type ExportOutput = string | Uint8Array;

export interface Exporter {
  /** Unique, stable name: the `--format` value. Lowercase, digits and dashes. */
  readonly name: string;
  /** One line for help texts. */
  readonly description: string;
  /** IANA media type of the output (`application/vnd.cyclonedx+json`). */
  readonly mediaType: string;
  /** Conventional file extension with its dot (`.cdx.json`), for file names a caller makes up. */
  readonly fileExtension: string;
  /** True when the output is for a person reading a terminal rather than for a program. */
  readonly terminal: boolean;
  /**
   * True when the document carries a time (OpenVEX and SPDX require one):
   * it is `context.timestamp` when given, else a fixed value the exporter
   * documents. False: the output never depends on the context's timestamp.
   */
  readonly usesTimestamp: boolean;
  /**
   * Renders one report. May return a Promise for formats that must load an
   * engine first. Throws a StellaError when the report cannot be expressed.
   */
  render(report: Report, context: ExportContext): ExportOutput | Promise<ExportOutput>;
}

/**
 * Text or bytes as bytes, for callers that write files or hash output.
 *
 * @example
 *   await writeFile(path, exportBytes(await exporter.render(report, {})));
 */
export function exportBytes(output: ExportOutput): Uint8Array {
  return typeof output === 'string' ? new TextEncoder().encode(output) : output;
}
