/**
 * The types every step of verification shares, at the bottom of the folder
 * so the steps (reports, root history, signed files, trust state) and the
 * top file that runs them all point down here, never at each other.
 *
 * @example const failure: VerifyFailure = { where: 'main:feeds/osv/manifest.json', reason: 'signature does not verify' };
 */

/** One thing that did not verify. */
export interface VerifyFailure {
  /** `branch:path` of the file that failed. */
  where: string;
  reason: string;
}

/** What a whole-repository verification found. */
export interface VerifyResult {
  reports: number;
  manifests: number;
  /** Policy files checked (each has its own signature). */
  policies: number;
  /** Other files the `policies` role signs that were checked: VEX, exceptions, stella.yaml. */
  signedFiles: number;
  failures: VerifyFailure[];
}

/** Which refs to verify, and when. */
export interface VerifyOptions {
  /** Ref holding the trust root and feeds (normally `main`; in a pull request's CI, the base branch). */
  main: string;
  /** Refs (or commit ids) to check completely: feeds, signed files, reports (main is always checked too). */
  branches: string[];
  /** The time expiry is judged at (default: now). */
  now?: Date;
}
