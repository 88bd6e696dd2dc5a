/** `stella vex import FILE...`: signed VEX documents into the state repository's vex/ folder. */
import type { Command } from 'commander';
import { defaultVexFormats } from '../../../core/vex/registry.js';
import { importVex } from '../../vex/import.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

/**
 * Registers `stella vex` and `stella vex import`.
 * @example registerVex(program, setResult); // stella vex import app.openvex.json
 */
export function registerVex(program: Command, setResult: SetResult): void {
  const vex = program.command('vex').description('manage the VEX documents (OpenVEX, CycloneDX VEX, CSAF VEX) that decide the status of findings');
  vex
    .command('import')
    .description('check VEX documents, sign them with the policies role and commit them to vex/ on main, one commit')
    .argument('<files...>', 'VEX documents; each is recognised by its content, not its name, and stored under its base name')
    .addHelpText(
      'after',
      `\nRecognised formats:\n${defaultVexFormats.formats.map((f) => `  ${f.name.padEnd(15)}${f.description}`).join('\n')}\n` +
        'A document that is not valid VEX (unknown status, missing timestamp, malformed JSON, unknown format) is refused and nothing is committed.\n' +
        'Your key must hold the policies role of trust/root.json. Every later scan applies the documents in vex/ (see stella scan --vex).\n' +
        'Examples:\n  stella vex import app.openvex.json\n  stella vex import vendor-csaf.json base-image.vex.cdx.json',
    )
    .action(async (files: string[], _options: unknown, command: Command) => {
      const ctx = CommandContext.of(command);
      const repo = await ctx.openRepo();
      const key = await ctx.signingKey(repo);
      const result = await importVex(repo, files, { key });
      for (const file of result.files) {
        ctx.log.info(`${file.path}: ${file.format}, ${file.statements} statement${file.statements === 1 ? '' : 's'}${file.changed ? '' : ', unchanged'}`, { ...file });
      }
      ctx.log.info(result.commit === undefined ? 'nothing changed, no commit' : `committed ${result.commit.slice(0, 12)} on main`, { commit: result.commit });
      setResult({ exitCode: ExitCode.ok });
    });
}
