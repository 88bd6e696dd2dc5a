/**
 * A finding's VEX assessment, as every VEX-shaped output writes it. A
 * finding carries what the winning VEX statement said (`core/vex/apply.ts`
 * sets `status`, `justification`, `impactStatement`, `actionStatement` and
 * `statusSource`: `core/model/vex.ts`); without a statement it is
 * `affected`: the scanner found the installed version inside an advisory's
 * affected range and nothing said otherwise.
 *
 * @example
 *   assessmentOf(finding); // { status: 'affected', explicit: false, actionStatement: 'Upgrade lodash to 4.17.21 or later.' }
 */
import type { Finding } from '../../model/report.js';
import { VEX_JUSTIFICATIONS, VEX_STATUSES, type VexJustification, type VexStatus } from '../../model/vex.js';

export { VEX_JUSTIFICATIONS, VEX_STATUSES, type VexJustification, type VexStatus } from '../../model/vex.js';

/** What a VEX-shaped output says about one finding. */
export interface VexAssessment {
  status: VexStatus;
  justification?: VexJustification;
  impactStatement?: string;
  /** Always set for `affected` (OpenVEX requires it there). */
  actionStatement?: string;
  statusSource?: string;
  /** False when the status is our default (`affected`), true when a VEX statement set it. */
  explicit: boolean;
}

const isStatus = (value: unknown): value is VexStatus => typeof value === 'string' && (VEX_STATUSES as readonly string[]).includes(value);
const isJustification = (value: unknown): value is VexJustification => typeof value === 'string' && (VEX_JUSTIFICATIONS as readonly string[]).includes(value);

/**
 * The finding's assessment: its own status when it carries a known one,
 * else `affected`. An `affected` finding gets an action statement from its
 * fixed version when it has none of its own; `not_affected` without a
 * justification or impact statement gets an impact statement naming the
 * source, since OpenVEX requires one of the two.
 *
 * @example assessmentOf({ ...finding, status: 'not_affected', justification: 'vulnerable_code_not_present' }).explicit; // true
 */
export function assessmentOf(finding: Finding): VexAssessment {
  // Reports are read back from JSON that older or foreign writers made: each field is checked, not trusted.
  const explicit = isStatus(finding.status);
  const status: VexStatus = isStatus(finding.status) ? finding.status : 'affected';
  const out: VexAssessment = { status, explicit };
  if (isJustification(finding.justification)) out.justification = finding.justification;
  if (typeof finding.impactStatement === 'string' && finding.impactStatement !== '') out.impactStatement = finding.impactStatement;
  if (typeof finding.actionStatement === 'string' && finding.actionStatement !== '') out.actionStatement = finding.actionStatement;
  if (typeof finding.statusSource === 'string' && finding.statusSource !== '') out.statusSource = finding.statusSource;
  if (status === 'affected' && out.actionStatement === undefined) out.actionStatement = defaultAction(finding);
  if (status === 'not_affected' && out.justification === undefined && out.impactStatement === undefined) {
    out.impactStatement = `Not affected according to ${out.statusSource ?? 'a VEX statement'}.`;
  }
  return out;
}

function defaultAction(finding: Finding): string {
  if (finding.fixed !== undefined) return `Upgrade ${finding.name} to ${finding.fixed} or later.`;
  return `No fixed version of ${finding.name} is known; remove it, mitigate, or watch ${finding.id} for a fix.`;
}
