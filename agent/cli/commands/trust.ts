/**
 * `stella trust`: show and change the threshold-signed trust root.
 *
 *   stella trust show [--format json]
 *   stella trust enroll --node NAME --key PUB.pem
 *   stella trust revoke --key KEYID
 *   stella trust rotate --role root|feeds|policies [--add PUB.pem]... [--remove KEYID]... [--threshold N]
 *   stella trust renew
 *   stella trust sign
 *
 * Every change is one commit on `--branch` (default main; another name
 * makes a branch from main to open a pull request with). The next version
 * is staged in trust/root.pending.json and signed with this clone's key
 * (or `--as KEYID` from $STELLA_HOME/keys); once it has a threshold of the
 * current and of its own root keys it becomes trust/root.json.
 *
 * @example registerTrust(program, setResult);
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { StellaError } from '../../../core/errors.js';
import type { SigningKey } from '../../../core/sign/keys.js';
import type { TrustEdit } from '../../../core/trust/edit.js';
import { parseRoot, PENDING_ROOT_PATH, rfc3339, ROLE_NAMES, ROOT_PATH, type RoleName, type TrustRoot } from '../../../core/trust/root.js';
import { rootThresholds, thresholdMet, type ThresholdCheck } from '../../../core/trust/rules.js';
import { stageRoot } from '../../../core/trust/stage.js';
import { loadKey } from '../../repo/keystore.js';
import { AGENT_IDENTITY, DEFAULT_ROOT_VALID_DAYS, MAIN_BRANCH, type StateRepo } from '../../repo/state-repo.js';
import { syncWorktree } from '../../repo/worktree.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

interface ChangeOptions {
  branch: string;
  /** Absent for `sign`. */
  days?: string;
  as?: string;
}

const DAY_MS = 86_400_000;

/**
 * Adds `stella trust` and its subcommands to the program.
 * @example registerTrust(program, setResult);
 */
export function registerTrust(program: Command, setResult: SetResult): void {
  const trust = program
    .command('trust')
    .description('show and change the trust root (trust/root.json): who may sign reports, feeds and policies')
    .addHelpText('after', '\nEach change is one commit; see trust/README.md in the state repository for the rules.');

  trust
    .command('show')
    .description('print the current trust root and what a pending version still needs')
    .option('--branch <name>', 'branch to read', MAIN_BRANCH)
    .option('--format <format>', 'text or json', 'text')
    .action(async (options: { branch: string; format: string }, command: Command) => {
      const ctx = CommandContext.of(command);
      const { current, pending } = await readRoots(await ctx.openRepo(), options.branch);
      const checks = pending === undefined ? undefined : await rootThresholds(current.signed, pending);
      if (options.format === 'json') process.stdout.write(`${JSON.stringify({ root: current, pending: pending ?? null, thresholds: checks ?? null }, null, 2)}\n`);
      else if (options.format === 'text') process.stdout.write(showText(current, pending, checks));
      else throw new StellaError('USAGE', `--format ${options.format}: expected text or json`);
      setResult({ exitCode: ExitCode.ok });
    });

  changeCommand(trust, 'enroll', 'let a node key sign reports for a node')
    .requiredOption('--node <name>', 'node the key signs reports for')
    .requiredOption('--key <pem>', 'file with the SPKI PEM public key')
    .action(changeAction(async (o: { node: string; key: string }) => [{ $case: 'enroll', node: o.node, publicKey: await readPem(o.key) }], setResult));

  changeCommand(trust, 'revoke', 'remove a key from every node and role (reports it signed earlier stay valid)')
    .requiredOption('--key <keyid>', 'key id to revoke (stella trust show lists them)')
    .action(changeAction(async (o: { key: string }) => [{ $case: 'revoke', keyid: o.key }], setResult));

  changeCommand(trust, 'rotate', 'add or remove keys of the root, feeds or policies role, or change its threshold')
    .requiredOption('--role <role>', ROLE_NAMES.join(', '))
    .option('--add <pem...>', 'files with SPKI PEM public keys to add')
    .option('--remove <keyid...>', 'key ids to remove')
    .option('--threshold <n>', 'signatures the role needs from now on')
    .action(
      changeAction(async (o: { role: string; add?: string[]; remove?: string[]; threshold?: string }) => {
        if (!(ROLE_NAMES as readonly string[]).includes(o.role)) throw new StellaError('USAGE', `--role ${o.role}: expected one of ${ROLE_NAMES.join(', ')}`);
        const add = await Promise.all((o.add ?? []).map(readPem));
        return [{ $case: 'rotate', role: o.role as RoleName, add, remove: o.remove ?? [], threshold: o.threshold === undefined ? undefined : wholeNumber(o.threshold, '--threshold') }];
      }, setResult),
    );

  changeCommand(trust, 'renew', 'a new version with a later expiry and nothing else changed').action(changeAction(async () => [{ $case: 'renew' }], setResult));

  changeCommand(trust, 'sign', `add this clone's root signature to ${PENDING_ROOT_PATH}`).action(changeAction(async () => [], setResult));
}

function changeCommand(parent: Command, name: string, description: string): Command {
  const command = parent
    .command(name)
    .description(description)
    .option('--branch <name>', 'branch to commit to (a new one starts from main, for a pull request)', MAIN_BRANCH)
    .option('--as <keyid>', "sign with $STELLA_HOME/keys/<keyid>.pem instead of this clone's key");
  // `sign` adds a signature to content others already staged: it must not change the expiry they signed.
  return name === 'sign' ? command : command.option('--days <n>', 'days the new version stays valid', String(DEFAULT_ROOT_VALID_DAYS));
}

function changeAction<O extends object>(edits: (options: O) => Promise<TrustEdit[]>, setResult: SetResult): (options: O & ChangeOptions, command: Command) => Promise<void> {
  return async (options, command) => {
    const ctx = CommandContext.of(command);
    const repo = await ctx.openRepo();
    const list = await edits(options);
    const signer = await signerFor(ctx, repo, options.as);
    const tip = (await repo.store.branchTip(options.branch)) ?? (await repo.store.branchTip(MAIN_BRANCH));
    const { current, pending } = await readRoots(repo, options.branch);
    const expires = options.days === undefined ? undefined : rfc3339(new Date(Date.now() + wholeNumber(options.days, '--days') * DAY_MS));
    const staged = await stageRoot({ current, pending, edits: list, signer, expires });
    const body = staged.checks.map(describeCheck).join('\n');
    const result = await repo.store.commit({
      branch: options.branch,
      ...(tip === undefined ? {} : { parent: tip }),
      changes: staged.changes,
      message: `${staged.summary}\n\n${body}\n`,
      author: AGENT_IDENTITY,
    });
    await syncWorktree(repo, options.branch, tip, staged.changes);
    const version = staged.root.signed.version;
    if (signer !== undefined && !staged.signerCounts) ctx.log.warn(`key ${signer.keyId.slice(0, 12)}… is not a root key, so it did not sign version ${version}`);
    for (const check of staged.checks) ctx.log.info(describeCheck(check), { ...check });
    ctx.log.info(
      staged.complete
        ? `trust root version ${version} is in effect (${ROOT_PATH} on ${options.branch}, commit ${result.oid.slice(0, 12)})`
        : `trust root version ${version} is pending in ${PENDING_ROOT_PATH} on ${options.branch} (commit ${result.oid.slice(0, 12)}); the missing root keys sign it with \`stella trust sign\``,
      { version, complete: staged.complete, commit: result.oid, branch: options.branch },
    );
    setResult({ exitCode: ExitCode.ok });
  };
}

async function readRoots(repo: StateRepo, branch: string): Promise<{ current: TrustRoot; pending: TrustRoot | undefined }> {
  const tip = (await repo.store.branchTip(branch)) ?? (await repo.store.branchTip(MAIN_BRANCH));
  if (tip === undefined) throw new StellaError('REPO_INVALID', `${repo.dir}: no ${branch} or ${MAIN_BRANCH} branch to read ${ROOT_PATH} from`);
  const bytes = await repo.store.readFile(tip, ROOT_PATH);
  if (bytes === undefined) throw new StellaError('REPO_INVALID', `${branch}:${ROOT_PATH} is missing; a repository made by \`stella init\` has one`);
  const pendingBytes = await repo.store.readFile(tip, PENDING_ROOT_PATH);
  return {
    current: parseRoot(bytes, `${branch}:${ROOT_PATH}`),
    pending: pendingBytes === undefined ? undefined : parseRoot(pendingBytes, `${branch}:${PENDING_ROOT_PATH}`),
  };
}

async function signerFor(ctx: CommandContext, repo: StateRepo, as: string | undefined): Promise<SigningKey | undefined> {
  if (as !== undefined) return loadKey(ctx.home(), as);
  // A plain `git clone` has no key of its own: the change is staged unsigned for root key holders to sign.
  return repo.signingKeyId === undefined ? undefined : ctx.signingKey(repo);
}

function describeCheck(check: ThresholdCheck): string {
  const ids = (list: string[]): string => (list.length === 0 ? 'none' : list.map((id) => `${id.slice(0, 12)}…`).join(', '));
  return (
    `version ${check.version}'s root keys: ${check.signed.length} of ${check.threshold} needed signatures ${thresholdMet(check) ? '(met)' : '(not met)'}; ` +
    `signed: ${ids(check.signed)}; not yet: ${ids(check.missing)}`
  );
}

function showText(root: TrustRoot, pending: TrustRoot | undefined, checks: ThresholdCheck[] | undefined): string {
  const lines = [`trust root version ${root.signed.version}, expires ${root.signed.expires}`];
  for (const role of ROLE_NAMES) {
    const r = root.signed.roles[role];
    lines.push(`  role ${role}: ${r.threshold} of ${r.keyids.length} keys`, ...r.keyids.map((id) => `    ${id}`));
  }
  for (const [node, entry] of Object.entries(root.signed.nodes)) lines.push(`  node ${node}:`, ...entry.keyids.map((id) => `    ${id}`));
  if (pending !== undefined) {
    lines.push(`pending: version ${pending.signed.version} in ${PENDING_ROOT_PATH}, expires ${pending.signed.expires}`);
    for (const check of checks ?? []) lines.push(`  ${describeCheck(check)}`);
  }
  return `${lines.join('\n')}\n`;
}

async function readPem(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new StellaError('NOT_FOUND', `${path}: cannot read the public key file`);
  }
}

function wholeNumber(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new StellaError('USAGE', `${flag} ${text}: expected a whole number from 1`);
  return n;
}
