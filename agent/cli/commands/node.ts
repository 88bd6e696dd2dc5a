/**
 * `stella node join URL_OR_BUNDLE --node N [DIR]`: join this machine to an
 * existing mesh in one command — clone (or seed from a bundle), make the
 * node's key, configure the clone — and print the one line an admin runs to
 * enroll the key. Until that line has run and reached this clone (`stella
 * pull`, or a bundle through `stella sync import`), `stella scan --commit`
 * refuses, naming the same line.
 */
import type { Command } from 'commander';
import { defaultJoinDir, joinMesh, parseJoinSource, type JoinResult, type JoinSource } from '../../join/join.js';
import { resolveCredentials } from '../../remote/credentials.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

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
    .addHelpText(
      'after',
      '\nThe private key is written to $STELLA_HOME/keys/<keyid>.pem, its public half beside it (<keyid>.pub.pem).\n' +
        'The enroll command is printed on stdout; the admin runs it in their clone and pushes main (or exports a bundle).\n' +
        'Then, here: stella pull (or stella sync import NEXT.bundle), and stella scan --commit works.\n\n' +
        'Examples:\n  stella node join https://git.example/acme/state.git --node edge-2\n  stella node join /media/usb/site.bundle --node edge-3 ./state',
    )
    .action(async (sourceText: string, dir: string | undefined, options: { node?: string }, command: Command) => {
      const ctx = CommandContext.of(command);
      const source = parseJoinSource(sourceText);
      const name = await ctx.nodeForNewRepo(options.node);
      const credentials = source.$case === 'url' ? await resolveCredentials() : undefined;
      const joined = await joinMesh(source, { dir: dir ?? defaultJoinDir(source), node: name, home: ctx.home(), credentials });
      report(ctx, source, joined);
      process.stdout.write(`${enrollCommand(joined)}\n`);
      setResult({ exitCode: ExitCode.ok });
    });
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
