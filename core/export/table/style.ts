/**
 * Colours for the table on a terminal: ANSI SGR codes, used only when the
 * caller says the output is a colour terminal (`ExportContext.color`).
 *
 * @example
 *   paintSeverity('CRITICAL', 'CRITICAL') // '\u001b[1;31mCRITICAL\u001b[0m'
 */
import type { SeverityLevel } from '../../model/severity.js';

const CODES: Readonly<Record<SeverityLevel, string>> = {
  CRITICAL: '1;31', // bold red
  HIGH: '31', // red
  MEDIUM: '33', // yellow
  LOW: '36', // cyan
  UNKNOWN: '2', // dim
};
const KEV_CODE = '1;35'; // bold magenta: known exploited stands out within any level

/** `text` in the colour of `level`. */
export function paintSeverity(level: SeverityLevel, text: string): string {
  return `\u001b[${CODES[level]}m${text}\u001b[0m`;
}

/** The KEV flag's colour. */
export function paintKev(text: string): string {
  return `\u001b[${KEV_CODE}m${text}\u001b[0m`;
}
