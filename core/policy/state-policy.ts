/**
 * The policy in force in a state repository, read from one commit of the
 * main branch (agents apply policy only after review): `stella.yaml` names
 * it (`policy: policies/<file>`), and every file involved — stella.yaml,
 * the policy, each exception file — must carry a valid signature of the
 * `policies` role of that commit's verified trust root. An unsigned or
 * tampered file is refused, never silently skipped.
 *
 * Exception files that are signed but do not parse are reported as
 * problems and left out: a missing waiver only makes verdicts stricter.
 *
 * @example
 *   const inForce = await policyInForce(store, mainTip, { now });
 *   if (inForce !== undefined) await inForce.engine.evaluate(report, { now, exceptions: inForce.exceptions });
 */
import { parse } from 'yaml';
import { describeError, StellaError } from '../errors.js';
import type { GitStore } from '../git/git-store.js';
import type { TrustRoot } from '../trust/root.js';
import { SIGNATURE_SUFFIX, verifyRoleJws } from '../verify/signed-files.js';
import { currentTrustRoot } from '../verify/trust-state.js';
import type { PolicyEngine, PolicyException } from './engine.js';
import { parseExceptionsFile } from './exceptions/parse.js';
import { defaultPolicyEngines, type PolicyEngineRegistry } from './registry.js';

/** The settings file that names the policy in force. */
export const SETTINGS_FILE = 'stella.yaml';
/** Where exception files live. */
export const EXCEPTIONS_FOLDER = 'exceptions';

/** A policy and the exceptions that go with it. */
export interface PolicyInForce {
  engine: PolicyEngine;
  exceptions: PolicyException[];
  /** Exception files left out, one line each (file and problem). */
  problems: string[];
}

/** The verified `policies` root of `commit`, read once and handed to the readers below. */
export function policiesRoot(store: GitStore, commit: string, now: Date): Promise<TrustRoot> {
  return currentTrustRoot(store, commit, { now });
}

/**
 * The policy in force at `commit`, or undefined when stella.yaml names none.
 * Throws when stella.yaml or the policy is unsigned, badly signed or invalid.
 * The caller closes the engine it gets (`engine.close?.()`).
 */
export async function policyInForce(store: GitStore, commit: string, options: { now: Date; registry?: PolicyEngineRegistry }): Promise<PolicyInForce | undefined> {
  const setting = await policySetting(store, commit);
  if (setting === undefined) return undefined;
  // The trust root is read only when a policy is named: a repository without one costs nothing here.
  const root = await policiesRoot(store, commit, options.now);
  await signedSettings(store, commit, { now: options.now, root });
  const engine = await (options.registry ?? defaultPolicyEngines).load(await readSigned(store, commit, setting.path, root), setting.path);
  try {
    return { engine, ...(await exceptionsAt(store, commit, root)) };
  } catch (error) {
    // The caller never gets the engine, so it cannot close it (an OPA pack's worker thread).
    await engine.close?.();
    throw error;
  }
}

/**
 * stella.yaml's bytes at `commit` once its signature by the `policies` role
 * is checked — the one way to trust a setting read from it (`policy:`,
 * `notify:`); undefined when there is no stella.yaml. Throws
 * SIGNATURE_INVALID when it is unsigned or the signature does not verify.
 * @example const bytes = await signedSettings(store, mainTip, { now });
 */
export async function signedSettings(store: GitStore, commit: string, options: { now: Date; root?: TrustRoot }): Promise<Uint8Array | undefined> {
  const bytes = await store.readFile(commit, SETTINGS_FILE);
  if (bytes === undefined) return undefined;
  await verifySigned(store, commit, SETTINGS_FILE, bytes, options.root ?? (await policiesRoot(store, commit, options.now)));
  return bytes;
}

/**
 * stella.yaml's `policy` at `commit`, checked to be a file under `policies/`
 * (its signature is not checked here), with stella.yaml's bytes; undefined
 * when it names none.
 */
export async function policySetting(store: GitStore, commit: string): Promise<{ path: string; bytes: Uint8Array } | undefined> {
  const bytes = await store.readFile(commit, SETTINGS_FILE);
  if (bytes === undefined) return undefined;
  let settings: unknown;
  try {
    settings = parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new StellaError('CONFIG_INVALID', `${SETTINGS_FILE}: not valid YAML (${describeError(error)})`);
  }
  const value = settings !== null && typeof settings === 'object' ? (settings as Record<string, unknown>)['policy'] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !/^policies\/[^\s]+$/.test(value) || value.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new StellaError('CONFIG_INVALID', `${SETTINGS_FILE}: policy: must name a file under policies/ (e.g. policies/production.yaml)`);
  }
  return { path: value, bytes };
}

/**
 * Every valid exception file under `exceptions/` at `commit`, and the files
 * left out. With a root, each must be signed by its `policies` role; `null`
 * reads them unverified (a candidate under review, whose signatures CI's
 * `stella verify` judges).
 */
export async function exceptionsAt(store: GitStore, commit: string, root: TrustRoot | null): Promise<{ exceptions: PolicyException[]; problems: string[] }> {
  const exceptions: PolicyException[] = [];
  const problems: string[] = [];
  for (const file of await store.walkFiles(commit, EXCEPTIONS_FOLDER)) {
    if (!/\.ya?ml$/i.test(file.path)) continue;
    try {
      const bytes = root === null ? await store.readBlob(file.oid) : await readSigned(store, commit, file.path, root);
      exceptions.push(...parseExceptionsFile(bytes, file.path));
    } catch (error) {
      problems.push(describeError(error));
    }
  }
  return { exceptions, problems };
}

/** A file's bytes, after checking its `.jws` against the `policies` role. */
export async function readSigned(store: GitStore, commit: string, path: string, root: TrustRoot): Promise<Uint8Array> {
  const bytes = await store.readFile(commit, path);
  if (bytes === undefined) throw new StellaError('NOT_FOUND', `${path}: not in the state repository`);
  await verifySigned(store, commit, path, bytes, root);
  return bytes;
}

async function verifySigned(store: GitStore, commit: string, path: string, bytes: Uint8Array, root: TrustRoot): Promise<void> {
  const jws = await store.readFile(commit, `${path}${SIGNATURE_SUFFIX}`);
  if (jws === undefined) throw new StellaError('SIGNATURE_INVALID', `${path}: unsigned (${path}${SIGNATURE_SUFFIX} is missing); sign it with \`stella policy import\``);
  try {
    await verifyRoleJws(new TextDecoder().decode(jws), bytes, root, 'policies');
  } catch (error) {
    throw new StellaError('SIGNATURE_INVALID', `${path}: ${describeError(error)}`, { cause: error });
  }
}
