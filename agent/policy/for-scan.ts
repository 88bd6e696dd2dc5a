/**
 * Which policy a scan applies: the file given with `--policy` (local use:
 * the report says which file and digest decided), else the policy in
 * force on the state repository's main branch (stella.yaml's `policy:`,
 * signed by the `policies` role), else none. Exceptions come from main's
 * `exceptions/` whenever a repository is open. Engines come from the
 * agent's registry (engines.ts); the caller closes `engine` when done.
 *
 * @example
 *   const policy = await policyForScan({ repo, file: options.policy, now: new Date() });
 */
import { readFile } from 'node:fs/promises';
import { StellaError } from '../../core/errors.js';
import type { PolicyEngine, PolicyException } from '../../core/policy/engine.js';
import { exceptionsAt, policiesRoot, policyInForce } from '../../core/policy/state-policy.js';
import { MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';
import { agentPolicyEngines } from './engines.js';

/** A policy ready to evaluate, and warnings for the person running the scan. */
export interface ScanPolicy {
  engine: PolicyEngine;
  exceptions: PolicyException[];
  now: Date;
  warnings: string[];
}

/** The policy for one scan (see the module comment), or undefined when none is in force. */
export async function policyForScan(options: { repo?: StateRepo; file?: string; now: Date }): Promise<ScanPolicy | undefined> {
  const { repo, file, now } = options;
  const tip = repo === undefined ? undefined : await repo.store.branchTip(MAIN_BRANCH);
  if (file !== undefined) {
    const engine = await agentPolicyEngines.load(await readPolicyFile(file), file);
    if (repo === undefined || tip === undefined) return { engine, exceptions: [], now, warnings: [] };
    try {
      const { exceptions, problems } = await exceptionsAt(repo.store, tip, await policiesRoot(repo.store, tip, now));
      return { engine, exceptions, now, warnings: problems.map(leftOut) };
    } catch (error) {
      await engine.close?.();
      throw error;
    }
  }
  if (repo === undefined || tip === undefined) return undefined;
  const inForce = await policyInForce(repo.store, tip, { now, registry: agentPolicyEngines });
  return inForce === undefined ? undefined : { engine: inForce.engine, exceptions: inForce.exceptions, now, warnings: inForce.problems.map(leftOut) };
}

function leftOut(problem: string): string {
  return `exception file left out: ${problem}`;
}

async function readPolicyFile(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (cause) {
    throw new StellaError('USAGE', `--policy ${file}: cannot read it (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, { cause });
  }
}
