/**
 * A finding's VEX status, as the report records it. The vocabulary is
 * OpenVEX's; CycloneDX analysis states and CSAF product statuses are mapped
 * onto it when VEX documents are read (core/vex/), and back when written
 * (core/export/). A finding without a status is `affected`: the scanner
 * found the installed version inside an advisory's affected range and no
 * statement said otherwise.
 *
 * @example
 *   const f: FindingVex = { status: 'not_affected', justification: 'vulnerable_code_not_present', statusSource: 'vex/openvex/app.json' };
 */

/** OpenVEX's statuses. */
export type VexStatus = 'affected' | 'not_affected' | 'fixed' | 'under_investigation';

/** OpenVEX's justifications for `not_affected`. */
export type VexJustification =
  | 'component_not_present'
  | 'vulnerable_code_not_present'
  | 'vulnerable_code_not_in_execute_path'
  | 'vulnerable_code_cannot_be_controlled_by_adversary'
  | 'inline_mitigations_already_exist';

export const VEX_STATUSES: readonly VexStatus[] = ['affected', 'not_affected', 'fixed', 'under_investigation'];
export const VEX_JUSTIFICATIONS: readonly VexJustification[] = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
];

/** The VEX fields a finding carries once statements are applied; all absent means "affected, no statement". */
export interface FindingVex {
  status?: VexStatus;
  justification?: VexJustification;
  /** Why the product is not affected, in words (OpenVEX `impact_statement`). */
  impactStatement?: string;
  /** What to do about it (OpenVEX `action_statement`). */
  actionStatement?: string;
  /** Where the status came from: the VEX document's path (or `--vex` file name) and statement id. */
  statusSource?: string;
}
