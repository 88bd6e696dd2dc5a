/**
 * `stella kit export|import`: Offline Update Kits — feeds, VEX, policies,
 * exceptions, trust and settings of one state repository carried to an
 * air-gapped one as a single signed tar.
 *
 * @example
 *   registerKit(program, setResult);
 *   // stella kit export -o /media/usb/kit.tar
 *   // stella --repo /srv/state kit import /media/usb/kit.tar
 */
import type { Command } from 'commander';
import { StellaError } from '../../../core/errors.js';
import { exportKit } from '../../kit/export.js';
import { importKit } from '../../kit/import.js';
import { MAIN_BRANCH } from '../../repo/state-repo.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

const MIB = 1024 * 1024;

export function registerKit(program: Command, setResult: SetResult): void {
  const kit = program.command('kit').description('move feeds, VEX, policies, exceptions and trust to an air-gapped state repository as one signed tar');
  kit
    .command('export')
    .description('write an Offline Update Kit: feeds/, vex/, policies/, exceptions/, trust/ and stella.yaml from a ref, with a signed manifest')
    .requiredOption('-o, --output <file>', 'tar file to write (written to a temporary file, then renamed)')
    .option('--ref <ref>', 'ref to take the files from', MAIN_BRANCH)
    .addHelpText(
      'after',
      "\nThe manifest is signed with this clone's key, which needs the feeds role in the trust root;" +
        '\nthe receiving repository must trust the same key for feeds. The same ref gives the same bytes.' +
        '\n\nExample:\n  stella kit export -o /media/usb/kit.tar',
    )
    .action(async (options: { output: string; ref: string }, command: Command) => {
      const ctx = CommandContext.of(command);
      const repo = await ctx.openRepo();
      const key = await ctx.signingKey(repo);
      const summary = await exportKit(repo, { output: options.output, ref: options.ref, key });
      ctx.log.info(
        `wrote ${summary.file}: ${summary.files} files from ${summary.source.ref} at ${summary.source.commit.slice(0, 12)} (sequence ${summary.source.sequence}), ` +
          `${summary.feeds} feed manifests, ${summary.policies} policies and ${summary.signedFiles} other signed files checked, ${summary.bytes} bytes, signed by ${summary.signer.slice(0, 12)}…`,
        { file: summary.file, bytes: summary.bytes, files: summary.files, ...summary.source, signer: summary.signer },
      );
      setResult({ exitCode: ExitCode.ok });
    });
  kit
    .command('import')
    .description('verify an Offline Update Kit completely, then apply it as one commit on main')
    .argument('<kit>', 'the kit tar (from `stella kit export`)')
    .option('--max-age <days>', 'refuse a kit whose source commit is older than this many days', parsePositive('--max-age'))
    .option('--max-file-mb <n>', 'largest file a kit may hold, in MiB', parsePositive('--max-file-mb'))
    .option('--max-total-mb <n>', 'largest total size of a kit, in MiB', parsePositive('--max-total-mb'))
    .addHelpText(
      'after',
      '\nRefused, with the repository left as it was: a kit that is damaged or altered, not signed by feeds keys' +
        "\nof this repository's trust root, holding links, devices or unsafe paths, or older than the last kit" +
        '\napplied (rollback). Importing the kit applied last changes nothing. A kit of the same mesh brings its' +
        "\ntrust root when it is this root's next version; a kit of another mesh leaves trust/ as it is." +
        '\n\nExample:\n  stella --repo /srv/state kit import /media/usb/kit.tar',
    )
    .action(async (file: string, options: { maxAge?: number; maxFileMb?: number; maxTotalMb?: number }, command: Command) => {
      const ctx = CommandContext.of(command);
      const repo = await ctx.openRepo();
      const summary = await importKit(repo, file, {
        ...(options.maxAge === undefined ? {} : { maxAgeDays: options.maxAge }),
        limits: {
          ...(options.maxFileMb === undefined ? {} : { maxFileBytes: options.maxFileMb * MIB }),
          ...(options.maxTotalMb === undefined ? {} : { maxTotalBytes: options.maxTotalMb * MIB }),
        },
      });
      for (const path of summary.skipped) ctx.log.warn(`${path}: left alone in the work tree (local edits); main has the kit's version`);
      const from = `${summary.source.commit.slice(0, 12)} (sequence ${summary.source.sequence}) signed by ${summary.signers.map((id) => `${id.slice(0, 12)}…`).join(', ')}`;
      const trust = summary.trust === 'adopted' ? `trust root version ${summary.trustVersion}` : `trust/ kept (another mesh; version ${summary.trustVersion})`;
      ctx.log.info(
        summary.status === 'applied'
          ? `applied kit ${from}: ${summary.written} files written, ${summary.deleted} deleted, ${trust}; committed ${(summary.commit as string).slice(0, 12)}`
          : `kit ${from} is the one applied last; nothing changed, no commit`,
        { status: summary.status, commit: summary.commit, source: summary.source, signers: summary.signers, trust: summary.trust, written: summary.written, deleted: summary.deleted },
      );
      setResult({ exitCode: ExitCode.ok });
    });
}

function parsePositive(flag: string): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0) throw new StellaError('USAGE', `${flag} ${value}: expected a positive number`);
    return number;
  };
}
