/**
 * The VEX step of a scan: the statements of the repository's `vex/` (at the
 * commit whose feeds were matched, so the report's recorded inputs pin them
 * too) and of `--vex` files, applied to the report before it is signed.
 *
 * @example
 *   const { report, summary } = await decideWithVex(report, { store, commit }, extraDocuments);
 */
import type { GitStore } from '../../core/git/git-store.js';
import type { Report } from '../../core/model/report.js';
import { applyVex } from '../../core/vex/apply.js';
import type { VexDocument, VexStatement } from '../../core/vex/statement.js';
import { repoVexDocuments } from './documents.js';

/** What the VEX step did, for the command to say. */
export interface VexSummary {
  /** Documents read: repository ones first, then `--vex` files. */
  documents: string[];
  statements: number;
  /** Findings whose status a statement set. */
  decided: number;
  /** Statements that matched no finding of this target. */
  unmatched: VexStatement[];
  /** Parts of documents skipped (a CycloneDX vulnerability without analysis). */
  warnings: string[];
}

/**
 * Applies the repository's VEX (when `repo` is given) and `extra` documents to `report`.
 * @example await decideWithVex(report, undefined, await fileVexDocuments(['a.json']));
 */
export async function decideWithVex(report: Report, repo: { store: GitStore; commit: string } | undefined, extra: readonly VexDocument[]): Promise<{ report: Report; summary: VexSummary }> {
  const documents = [...(repo === undefined ? [] : await repoVexDocuments(repo.store, repo.commit)), ...extra];
  const statements = documents.flatMap((document) => document.statements);
  const applied = applyVex(report, statements);
  return {
    report: applied.report,
    summary: { documents: documents.map((d) => d.name), statements: statements.length, decided: applied.decided, unmatched: applied.unmatched, warnings: documents.flatMap((d) => d.warnings) },
  };
}
