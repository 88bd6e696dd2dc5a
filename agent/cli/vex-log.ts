/**
 * What the VEX step of a scan says on stderr: one summary line, then each
 * statement that matched no finding (a typo in a purl or an id must not
 * pass unnoticed), the first few by name and the rest counted.
 *
 * @example logVexSummary(ctx.log, outcome.vex);
 */
import type { Logger } from '../log.js';
import type { VexSummary } from '../vex/decide.js';

/** Statements that matched nothing, named one per line before the rest are only counted. */
const MAX_NAMED = 20;

/**
 * Logs the summary and the unmatched statements.
 * @example logVexSummary(log, { documents: ['vex/a.json'], statements: 3, decided: 2, unmatched: [s], warnings: [] });
 */
export function logVexSummary(log: Logger, summary: VexSummary): void {
  for (const warning of summary.warnings) log.warn(warning);
  if (summary.documents.length === 0) return;
  const unmatched = summary.unmatched.length;
  log.info(
    `VEX: ${summary.documents.length} document${summary.documents.length === 1 ? '' : 's'}, ${summary.statements} statements; ` +
      `${summary.decided} finding${summary.decided === 1 ? '' : 's'} decided; ${unmatched} statement${unmatched === 1 ? '' : 's'} matched no finding`,
    { documents: summary.documents, statements: summary.statements, decided: summary.decided, unmatched },
  );
  for (const statement of summary.unmatched.slice(0, MAX_NAMED)) {
    log.info(`VEX statement matched no finding: ${statement.source} (${statement.vulnerability.id}, ${statement.status})`, { source: statement.source, vulnerability: statement.vulnerability.id });
  }
  if (unmatched > MAX_NAMED) log.info(`… and ${unmatched - MAX_NAMED} more VEX statements matched no finding`);
}
