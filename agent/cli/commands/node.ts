/**
 * `stella node join URL_OR_BUNDLE --node N [DIR]`: join this machine to an
 * existing mesh in one command — clone (or seed from a bundle), make the
 * node's key, configure the clone — and print the one line an admin runs to
 * enroll the key. With a forge configured (`--forge`, or STELLA_FORGE_TOKEN
 * set, as `stella review open` reads it), the node also proposes that
 * enrollment as a pull request from `enroll/<node>` and prints its URL on
 * the next line. Until the enrollment has reached this clone (`stella
 * pull`, or a bundle through `stella sync import`), `stella scan --commit`
 * refuses, naming the enroll line.
 */
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { StellaError } from '../../../core/errors.js';
import { forgeEntry, FORGE_NAMES, type ForgeEntry } from '../../forge/registry.js';
import { defaultJoinDir, joinMesh, parseJoinSource, type JoinResult, type JoinSource } from '../../join/join.js';
import { proposeEnrollment } from '../../join/propose.js';
import { toolVersion } from '../../package-root.js';
import { resolveCredentials, type Credentials } from '../../remote/credentials.js';
import { pushBranch } from '../../remote/push.js';
import { resolveRemote } from '../../remote/remote.js';
import { openStateRepo } from '../../repo/state-repo.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';
import { findForgeToken, FORGE_TOKEN_ENV, locateForgeRepository, type ForgeFlags } from '../forge-target.js';

interface JoinOptions extends ForgeFlags {
  node?: string;
  forge?: string;
}

/**
 * Registers `stella node` and its `join` subcommand.
 * @example registerNode(program, setResult); // stella node join https://git.example/state.git --node edge-2
 */
export function registerNode(program: Command, setResult: SetResult): void {
  const node = program.command('node').description('join this machine to an existing mesh as a new node');
  node
    .command('join')
    .description('clone the state repository (or seed it from a bundle), create this node\'s key and print the command an admin runs to enroll it')
    .argument('<source>', 'the state repository URL (http(s)://…) or a bundle file from `stella sync export`')
    .argument('[dir]', 'folder to create (must not exist, or be empty; default: the name of the repository or bundle)')
    .option('--node <name>', 'this node, remembered by the clone (default: $STELLA_NODE, config, host name)')
    .option('--forge <name>', `open a pull request enrolling the key on this forge (${FORGE_NAMES.join(', ')}; default: github when $${FORGE_TOKEN_ENV} is set)`)
    .option('--repo-slug <owner/name>', "repository on the forge (default: from the origin URL)")
    .option('--api-url <url>', 'forge API base URL (default: https://api.github.com for github.com; GitHub Enterprise: https://HOST/api/v3)')
    .addHelpText(
      'after',
      '\nThe private key is written to $STELLA_HOME/keys/<keyid>.pem, its public half beside it (<keyid>.pub.pem).\n' +
        'The enroll command is printed on stdout; the admin runs it in their clone and pushes main (or exports a bundle).\n' +
        'Then, here: stella pull (or stella sync import NEXT.bundle), and stella scan --commit works.\n' +
        `With a forge (--forge, or $${FORGE_TOKEN_ENV} set; a URL join only), the node also pushes enroll/<node> with the pending\n` +
        'trust root that adds its key and opens a pull request for the admin to review and sign (stella trust sign); its URL follows.\n\n' +
        'Examples:\n  stella node join https://git.example/acme/state.git --node edge-2\n  stella node join /media/usb/site.bundle --node edge-3 ./state',
    )
    .action(async (sourceText: string, dir: string | undefined, options: JoinOptions, command: Command) => {
      const ctx = CommandContext.of(command);
      const source = parseJoinSource(sourceText);
      const forge = wantedForge(options, source);
      const name = await ctx.nodeForNewRepo(options.node);
      const credentials = source.$case === 'url' ? await resolveCredentials() : undefined;
      const joined = await joinMesh(source, { dir: dir ?? defaultJoinDir(source), node: name, home: ctx.home(), credentials });
      report(ctx, source, joined);
      // Printed first: if the pull request cannot be opened, the admin can still be handed this line.
      process.stdout.write(`${enrollCommand(joined)}\n`);
      if (forge !== undefined) process.stdout.write(`${await openEnrollment(ctx, joined, forge, options, credentials)}\n`);
      setResult({ exitCode: ExitCode.ok });
    });
}

/**
 * The forge to propose on: the flag, else github when a token is set; none for a bundle (no remote to push to).
 * Checked before anything is cloned, so a wrong name or a missing token costs no join.
 */
function wantedForge(options: JoinOptions, source: JoinSource): ForgeEntry | undefined {
  if (source.$case === 'bundle') {
    if (options.forge !== undefined) throw new StellaError('USAGE', '--forge: a join from a bundle has no remote to push the enrollment to; join from the repository URL, or leave --forge out');
    return undefined;
  }
  const name = options.forge ?? ((process.env[FORGE_TOKEN_ENV] ?? '').trim() !== '' ? 'github' : undefined);
  if (name === undefined) return undefined;
  const entry = forgeEntry(name);
  findForgeToken(process.env, entry, options.repoSlug ?? source.url);
  return entry;
}

/** Commits, pushes and proposes the enrollment; returns the pull request's URL. */
async function openEnrollment(ctx: CommandContext, joined: JoinResult, entry: ForgeEntry, flags: ForgeFlags, credentials: Credentials | undefined): Promise<string> {
  const repo = await openStateRepo(joined.dir);
  const { repository, apiUrl } = await locateForgeRepository(repo, entry, flags);
  const { token, source } = findForgeToken(process.env, entry, repository);
  const forge = entry.create({ token, tokenSource: source, repository, apiUrl, userAgent: `stella-mesh/${toolVersion()}` });
  const remote = await resolveRemote(repo.store.gitdir);
  const proposal = await proposeEnrollment(repo, {
    node: joined.node,
    keyId: joined.keyId,
    publicKeyPem: await readFile(joined.publicKeyFile, 'utf8'),
    forge,
    push: (branch) => pushBranch(repo.store, branch, { node: joined.node, remote, credentials }),
  });
  const what = proposal.pull.created ? 'opened' : 'updated';
  ctx.log.info(`${what} pull request #${proposal.pull.number} ${proposal.branch} → main on ${repository}: trust root version ${proposal.version} enrolling key ${joined.keyId.slice(0, 12)}…; an admin reviews and signs it`, {
    ...proposal.pull,
    repository,
    branch: proposal.branch,
    commit: proposal.commit,
  });
  return proposal.pull.url;
}

/**
 * The exact line an admin runs to enroll the joined node's key.
 * @example enrollCommand({ node: 'edge-2', publicKeyFile: '/home/me/.config/stella/keys/ab….pub.pem', … })
 *   // 'stella trust enroll --node edge-2 --key /home/me/.config/stella/keys/ab….pub.pem'
 */
export function enrollCommand(joined: Pick<JoinResult, 'node' | 'publicKeyFile'>): string {
  return `stella trust enroll --node ${shellWord(joined.node)} --key ${shellWord(joined.publicKeyFile)}`;
}

function report(ctx: CommandContext, source: JoinSource, joined: JoinResult): void {
  const from = source.$case === 'url' ? source.url : source.file;
  for (const skip of joined.skippedRefs) ctx.log.warn(`${from}: ref ${skip.name} skipped: ${skip.reason}`, { ref: skip.name, reason: skip.reason });
  ctx.log.info(`joined ${from} as node ${joined.node} in ${joined.dir} (main ${joined.main.slice(0, 12)})`, { ...joined });
  ctx.log.info(`signing key ${joined.keyId} saved under ${ctx.home()}/keys; its public half: ${joined.publicKeyFile}`);
  if (joined.otherKeys.length > 0) {
    ctx.log.warn(`node ${joined.node} already has ${joined.otherKeys.length} enrolled key(s) (${joined.otherKeys.map((k) => `${k.slice(0, 12)}…`).join(', ')}); enrolling this one adds it beside them`);
  }
  const next = source.$case === 'url' ? 'stella pull' : 'stella sync import NEXT.bundle (a bundle the admin exports after enrolling)';
  const copy = source.$case === 'url' ? '' : ` (copy ${joined.publicKeyFile} to the admin's machine)`;
  ctx.log.info(`this key is not enrolled yet: an admin runs the command below in their clone and publishes main${copy}; then run ${next} here, with STELLA_REPO=${joined.dir}`);
}

/** A word the shell reads back unchanged: as-is when it is plain, else single-quoted. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
