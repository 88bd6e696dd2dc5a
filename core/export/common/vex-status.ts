/**
 * A finding's VEX assessment, as every VEX-shaped output writes it. Today
 * a report's findings carry no status, so each is `affected` (the scanner
 * found the installed version inside an advisory's affected range). When
 * VEX input lands, findings gain `status`, `justification` (OpenVEX's
 * vocabulary) and the statement's source; `assessmentOf` already reads
 * those fields, so OpenVEX, CycloneDX VEX and SARIF carry them through
 * with no change here.
 *
 * @example
 *   assessmentOf(finding); // { status: 'affected', explicit: false, actionStatement: 'Upgrade lodash to 4.17.21 or later.' }
 */
import type { Finding } from '../../model/report.js';

export { VEX_JUSTIFICATIONS, VEX_STATUSES, type VexJustification, type VexStatus } from '../../model/vex.js';
import { VEX_JUSTIFICATIONS, VEX_STATUSES, type VexJustification, type VexStatus } from '../../model/vex.js';

/**
 * The VEX fields a finding may carry once VEX statements are applied.
 * Optional and read defensively: reports written before they existed lack them.
 */
export interface FindingVexFields {
  status?: string;
  justification?: string;
  /** Why the product is not affected, in words (OpenVEX `impact_statement`). */
  impactStatement?: string;
  /** What to do about it (OpenVEX `action_statement`). */
  actionStatement?: string;
  /** Where the status came from (a VEX document's path or id). */
  statusSource?: string;
}

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
  // The report model does not declare these fields yet: read them as optional extras.
  const vex: FindingVexFields = finding as Finding & FindingVexFields;
  const explicit = isStatus(vex.status);
  const status: VexStatus = isStatus(vex.status) ? vex.status : 'affected';
  const out: VexAssessment = { status, explicit };
  if (isJustification(vex.justification)) out.justification = vex.justification;
  if (typeof vex.impactStatement === 'string' && vex.impactStatement !== '') out.impactStatement = vex.impactStatement;
  if (typeof vex.actionStatement === 'string' && vex.actionStatement !== '') out.actionStatement = vex.actionStatement;
  if (typeof vex.statusSource === 'string' && vex.statusSource !== '') out.statusSource = vex.statusSource;
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
