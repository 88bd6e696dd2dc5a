/**
 * `stella policy import FILE`: checks a policy or an exception file, signs
 * it for the `policies` role with this clone's key, and commits it with its
 * `.jws` to a branch (main, or a new branch for a pull request) in one
 * commit. A YAML file whose `schema` is `stella.exceptions/v1` goes to
 * `exceptions/`, anything else to `policies/` through the engine its name
 * picks. With `use`, stella.yaml's `policy:` is pointed at it and re-signed
 * in the same commit, so it is the policy in force once on main.
 *
 * The key must hold the `policies` role of the branch's trust root: a
 * signature `stella verify` would reject is refused before anything is
 * written.
 *
 * @example
 *   await importPolicyFile(repo, { file: 'prod.yaml', key, use: true, branch: 'main', now: new Date() });
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { describeError, StellaError } from '../../core/errors.js';
import { EXCEPTIONS_SCHEMA, parseExceptionsFile } from '../../core/policy/exceptions/parse.js';
import { EXCEPTIONS_FOLDER, SETTINGS_FILE, policiesRoot } from '../../core/policy/state-policy.js';
import { signDetachedJws } from '../../core/sign/jws.js';
import type { SigningKey } from '../../core/sign/keys.js';
import type { TrustRoot } from '../../core/trust/root.js';
import { SIGNATURE_SUFFIX, verifyRoleJws } from '../../core/verify/signed-files.js';
import { AGENT_IDENTITY, MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';
import { syncWorktree } from '../repo/worktree.js';
import { agentPolicyEngines } from './engines.js';

/** What to import, and where. */
export interface ImportRequest {
  file: string;
  /** File name in the repository (default: the file's own name). */
  name?: string;
  key: SigningKey;
  /** Make it the policy in force (stella.yaml `policy:`). */
  use: boolean;
  branch: string;
  now: Date;
}

/** What was committed. */
export interface ImportResult {
  path: string;
  kind: 'policy' | 'exceptions';
  commit: string;
  changed: boolean;
}

/** Checks, signs and commits one file (see the module comment). */
export async function importPolicyFile(repo: StateRepo, request: ImportRequest): Promise<ImportResult> {
  const bytes = await readInput(request.file);
  const name = request.name ?? basename(request.file);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new StellaError('USAGE', `${name}: a policy file name is letters, digits, '.', '_' or '-'`);
  const kind = isExceptionFile(bytes, name) ? 'exceptions' : 'policy';
  const path = `${kind === 'exceptions' ? EXCEPTIONS_FOLDER : 'policies'}/${name}`;
  // Checked under its repository path, so errors name the file as it will be known.
  if (kind === 'exceptions') parseExceptionsFile(bytes, path);
  else await (await agentPolicyEngines.load(bytes, path)).close?.();
  if (request.use && kind === 'exceptions') throw new StellaError('USAGE', `${request.file}: --use names the policy in force; exception files always apply`);
  const tip = (await repo.store.branchTip(request.branch)) ?? (await repo.store.branchTip(MAIN_BRANCH));
  if (tip === undefined) throw new StellaError('REPO_INVALID', `${repo.dir}: no ${MAIN_BRANCH} branch`);
  const root = await policiesRoot(repo.store, tip, request.now);
  const changes = new Map<string, Uint8Array>();
  await addSigned(changes, path, bytes, request.key, root);
  if (request.use) await addSigned(changes, SETTINGS_FILE, await settingsWithPolicy(repo, tip, path), request.key, root);
  const result = await repo.store.commit({
    branch: request.branch,
    startFrom: MAIN_BRANCH,
    changes,
    message: `${kind === 'policy' ? 'Policy' : 'Exceptions'} ${path}${request.use ? ' (now in force)' : ''}\n\nSigned for the policies role by key ${request.key.keyId}.\n`,
    author: AGENT_IDENTITY,
  });
  await syncWorktree(repo, request.branch, tip, changes);
  return { path, kind, commit: result.oid, changed: result.committed };
}

async function addSigned(changes: Map<string, Uint8Array>, path: string, bytes: Uint8Array, key: SigningKey, root: TrustRoot): Promise<void> {
  const jws = `${await signDetachedJws(bytes, key)}\n`;
  try {
    await verifyRoleJws(jws, bytes, root, 'policies');
  } catch (error) {
    throw new StellaError('SIGNATURE_INVALID', `${path}: this clone's key cannot sign it: ${describeError(error)} (stella trust rotate --role policies --add …)`, { cause: error });
  }
  changes.set(path, bytes).set(`${path}${SIGNATURE_SUFFIX}`, new TextEncoder().encode(jws));
}

/** stella.yaml with `policy:` set, comments and other settings kept. */
async function settingsWithPolicy(repo: StateRepo, tip: string, path: string): Promise<Uint8Array> {
  const current = await repo.store.readFile(tip, SETTINGS_FILE);
  const doc = parseDocument(current === undefined ? '' : new TextDecoder().decode(current));
  if (doc.errors.length > 0) throw new StellaError('CONFIG_INVALID', `${SETTINGS_FILE}: not valid YAML (${doc.errors[0]?.message.split('\n')[0] ?? ''})`);
  doc.set('policy', path);
  return new TextEncoder().encode(doc.toString());
}

function isExceptionFile(bytes: Uint8Array, name: string): boolean {
  if (!/\.ya?ml$/i.test(name)) return false;
  try {
    const value = parse(new TextDecoder().decode(bytes)) as unknown;
    return value !== null && typeof value === 'object' && (value as Record<string, unknown>)['schema'] === EXCEPTIONS_SCHEMA;
  } catch {
    // Not YAML at all: the policy loader says so with the file's name.
    return false;
  }
}

async function readInput(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (cause) {
    throw new StellaError('USAGE', `${file}: cannot read it (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, { cause });
  }
}
