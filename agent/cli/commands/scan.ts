/** `stella scan TARGET`: components, findings, and optionally a signed report committed to the state repository. */
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { StellaError } from '../../../core/errors.js';
import { SEVERITY_ORDER, type SeverityLevel } from '../../../core/model/severity.js';
import { exportBytes, type ExportContext, type ExportOutput } from '../../../core/export/exporter.js';
import { activeIgnores, parseIgnoreFile } from '../../../core/export/filter/ignore-file.js';
import { selectFindings, type FindingFilters } from '../../../core/export/filter/select.js';
import { defaultExporters } from '../../../core/export/registry.js';
import type { StateRepo } from '../../repo/state-repo.js';
import { writeFileAtomically } from '../../fs/atomic-write.js';
import { logVexSummary } from '../vex-log.js';
import type { ReportSigner, ScanAndCommitResult } from '../../scan/scan-and-commit.js';
import type { ScanPolicy } from '../../policy/for-scan.js';
import { policyGate } from '../../policy/gate.js';
import { createProgress } from '../progress.js';
import { uncheckedGateFailure } from '../coverage.js';
import { uncheckedLines } from '../../../core/report/coverage-text.js';
import { CommandContext, ExitCode, type SetResult } from '../context.js';

interface ScanOptions {
  /** An exporter's name; commander checks it against the registry's choices. */
  format: string;
  output?: string;
  severity?: string;
  exitCode: string;
  allowUnchecked?: boolean;
  kev?: boolean;
  ignoreUnfixed?: boolean;
  ignoreFile?: string;
  /** The global -q/--quiet, also accepted after the command. */
  quiet?: boolean;
  /** False with --no-color. */
  color: boolean;
  commit?: boolean;
  node?: string;
  name?: string;
  offline?: boolean;
  /** `--vex` files, in the order given. */
  vex: string[];
  policy?: string;
  cache?: string;
  platform?: string;
  insecureRegistry: string[];
}

export function registerScan(program: Command, setResult: SetResult): void {
  program
    .command('scan')
    .description('scan an image, a root filesystem, a project folder or an SBOM, and match it against the mirrored advisories')
    .argument('<target>', 'docker save tar, OCI layout folder, OCI archive, registry://HOST[:PORT]/REPO:TAG (or @sha256:…), rootfs folder or (gzipped) tar, project folder, or CycloneDX/SPDX JSON SBOM')
    .addOption(new Option('-f, --format <format>', 'output format (listed below)').choices([...defaultExporters.names]).default('table'))
    .option('-o, --output <file>', 'write the output to a file instead of stdout')
    .option('-s, --severity <levels>', `only report these severities, comma-separated (${[...SEVERITY_ORDER].reverse().join(',')})`)
    .option('--exit-code <n>', 'exit with this code when findings (of --severity) remain, or when components were not checked', '0')
    .option('--kev', 'keep findings listed in CISA KEV whatever --severity says, and fail --exit-code on any of them')
    .option('--ignore-unfixed', 'leave out findings that have no fixed version yet (neither shown nor gated on)')
    .option('--ignore-file <file>', "advisory ids to leave out, one per line ('#' comments, optional exp:YYYY-MM-DD after an id, like .trivyignore); expired entries stop applying and are reported")
    .option('-q, --quiet', 'no messages on stderr except errors (the same as the global --quiet)')
    .option('--no-color', 'never colour the table (also: NO_COLOR set, or output not a terminal)')
    .option('--allow-unchecked', 'with --exit-code: pass although some components could not be checked (no advisories for their ecosystem, no version ordering)')
    .option('--commit', 'sign the report and commit it to the state repository on agents/<node>')
    .option('--node <name>', "this node (default: $STELLA_NODE, the repository's node (stella config set node), config, host name)")
    .option('--name <name>', 'name of the target in the report (default: the image reference or file name)')
    .option('--offline', 'accepted for compatibility: only registry:// targets use the network')
    .option('--cache <dir>', 'scan cache folder (LevelDB): unchanged images and layers are not read or downloaded again')
    .option('--platform <os/arch[/variant]>', 'for registry:// targets with several platforms (default: this machine\'s)')
    .option('--insecure-registry <host>', 'allow plain http to this registry host (loopback hosts always are); repeatable', (value: string, list: string[]) => [...list, value], [] as string[])
    .option('--vex <file>', "a VEX document (OpenVEX, CycloneDX VEX, CSAF VEX) to apply besides the repository's vex/; repeatable", (file: string, files: string[]) => [...files, file], [])
    .option('--policy <file>', "decide verdicts with this policy file instead of the one in force on main (local use; not with --commit)")
    .addHelpText(
      'after',
      '\nWithout a state repository (--repo, $STELLA_REPO, config) only components are reported.\n' +
        'Every report records its coverage; under --exit-code, unchecked components or an empty target fail the gate.\n' +
        'On a terminal the table fits its width and colours severities; piped or written with -o, it is neither cut nor coloured.\n' +
        `Formats:\n${defaultExporters.exporters.map((e) => `  ${e.name.padEnd(14)}${e.description}`).join('\n')}\n` +
        `${defaultExporters.exporters.filter((e) => e.usesTimestamp).map((e) => e.name).join(', ')} carry the current time; set SOURCE_DATE_EPOCH (seconds) for reproducible documents.\n` +
        'Examples:\n  stella scan app.oci.tar\n  stella scan --cache ~/.cache/stella-scan registry://registry.example:5000/app:1.2\n  stella scan --format json -o report.json ./rootfs\n  stella scan --severity HIGH,CRITICAL --kev --exit-code 1 sbom.cdx.json\n' +
        '  stella scan --format sarif -o stella.sarif --ignore-unfixed --ignore-file .stellaignore ./app\n' +
        '  stella scan --vex app.openvex.json --vex vendor.csaf.json --commit app.oci.tar',
    )
    .action(async (target: string, options: ScanOptions, command: Command) => {
      const ctx = CommandContext.of(command);
      const severities = parseSeverities(options.severity);
      const exitCode = parseExitCode(options.exitCode);
      if (options.policy !== undefined && options.commit === true) throw new StellaError('USAGE', '--policy is for local use: a committed report is decided by the policy in force on main (stella.yaml policy:)');
      const ignore = options.ignoreFile === undefined ? undefined : activeIgnores(parseIgnoreFile(await readIgnoreFile(options.ignoreFile), options.ignoreFile), new Date());
      for (const entry of ignore?.expired ?? []) ctx.log.warn(`${options.ignoreFile ?? ''}:${entry.line}: ${entry.id} expired on ${entry.expires ?? ''}; it applies no longer`, { id: entry.id, expires: entry.expires });
      // Read before scanning: a broken VEX file stops the run before anything is scanned or committed.
      const vex = options.vex.length === 0 ? [] : await (await import('../../vex/documents.js')).fileVexDocuments(options.vex);
      const cache = options.cache === undefined ? undefined : await (await import('../../cache/scan-cache.js')).ScanCache.open(options.cache);
      const { scanAndCommit } = await import('../../scan/scan-and-commit.js');
      // The target is read first. The repository, the signing key and the policy load and open once it
      // has been read (see scanTarget), or SETUP_WAIT_MS into a longer read, so that a misconfigured
      // run still ends within seconds: the first of them to fail stops the read, and a report
      // `stella verify` would reject is refused before anything is committed. A read that fails
      // before then ends the run with its own error, nothing loaded.
      const abort = new AbortController();
      let startSetup!: () => void;
      let setupStarted = false;
      const setup = new Promise<void>((resolve) => (startSetup = resolve)).then(() => prepareScan(ctx, options));
      setup.catch((error: unknown) => abort.abort(error));
      const startSetupNow = (): void => {
        setupStarted = true;
        startSetup();
      };
      const setupTimer = setTimeout(startSetupNow, SETUP_WAIT_MS);
      const whenRead = (): void => {
        clearTimeout(setupTimer);
        startSetupNow();
      };
      const progress = createProgress(process.stderr, process.stderr.isTTY === true && ctx.globals.quiet !== true);
      let result: ScanAndCommitResult;
      try {
        result = await scanAndCommit(target, {
          repo: setup.then((s) => s.repo),
          ...(options.name === undefined ? {} : { name: options.name }),
          vex,
          signer: setup.then((s) => s.signer),
          policy: setup.then((s) => s.policy ?? 'none'),
          ...(cache === undefined ? {} : { cache }),
          registry: { insecure: options.insecureRegistry, ...(options.platform === undefined ? {} : { platform: options.platform }) },
          ...(options.commit === true ? { notify: { home: ctx.home(), log: ctx.log, env: process.env } } : {}),
          onProgress: (p) => progress.update(p),
          whenRead,
          signal: abort.signal,
        });
      } finally {
        clearTimeout(setupTimer);
        progress.done();
        await cache?.close();
        // The policy may hold a worker thread (an OPA pack): closed whether the scan succeeded or not.
        if (setupStarted) await setup.then((s) => s.policy?.engine.close?.(), () => undefined);
      }
      const { outcome } = result;
      const { repo } = await setup;
      for (const warning of outcome.report.warnings) ctx.log.warn(warning);
      if (outcome.vex !== undefined) logVexSummary(ctx.log, outcome.vex);
      if (repo === undefined) ctx.log.warn('no state repository: components only, no advisories matched (use --repo or stella init)');
      if (result.committed !== undefined) {
        const { previous: _previous, ...committed } = result.committed;
        ctx.log.info(
          `${committed.changed ? 'signed report committed' : 'report unchanged, nothing committed'}: ${committed.folder} on ${committed.branch} (${committed.commit.slice(0, 12)})`,
          { ...committed },
        );
      }
      const filters: FindingFilters = { kev: options.kev === true, ignoreUnfixed: options.ignoreUnfixed === true };
      if (severities !== undefined) filters.severities = severities;
      if (ignore !== undefined) filters.ignoreIds = ignore.ids;
      const { report: shown, hidden } = selectFindings(outcome.report, filters);
      const total = outcome.report.findings.length;
      if (hidden.ignored > 0) ctx.log.info(`${hidden.ignored} of ${total} findings ignored (--ignore-file ${options.ignoreFile ?? ''})`, { ignored: hidden.ignored });
      if (hidden.unfixed > 0) ctx.log.info(`${hidden.unfixed} of ${total} findings not shown: no fixed version yet (--ignore-unfixed)`, { unfixed: hidden.unfixed });
      if (hidden.severity > 0) ctx.log.info(`${hidden.severity} of ${total} findings not shown (--severity ${options.severity ?? ''})`, { hidden: hidden.severity });
      const exporter = defaultExporters.get(options.format);
      // The table prints coverage itself; other outputs say it on stderr.
      if (!exporter.terminal || options.output !== undefined) for (const line of uncheckedLines(outcome.report)) ctx.log.warn(line);
      await emit(await exporter.render(shown, { ...terminalContext(options), ...documentTime(exporter.usesTimestamp) }), options.output);
      const unchecked = exitCode === ExitCode.ok ? undefined : uncheckedGateFailure(outcome.report, options.allowUnchecked === true);
      if (unchecked !== undefined) ctx.log.error(`--exit-code ${exitCode}: ${unchecked}`);
      const gate = policyGate(outcome.report, shown.findings.length);
      if (gate.message !== undefined) ctx.log.info(gate.message, { verdict: outcome.report.policy?.verdict });
      setResult({ exitCode: gate.fails || unchecked !== undefined ? exitCode : ExitCode.ok });
    });
}

/**
 * How long a read goes on before the repository, key and policy load beside it. Loaded after
 * the read, they do not compete with it for the cores; but a read of a large image (or a slow
 * registry) can take minutes, and a wrong --repo, a missing key or a broken policy should end
 * the run within seconds, not after it.
 */
const SETUP_WAIT_MS = 2000;

/** What a scan needs besides the target, loaded once the target is read (or SETUP_WAIT_MS into the read). */
interface ScanSetup {
  repo: StateRepo | undefined;
  /** With --commit: who signs (checked as `stella verify` will check the report). */
  signer: ReportSigner | undefined;
  policy: ScanPolicy | undefined;
}

/** Opens the repository (if any), checks the signer (with --commit) and loads the policy. */
async function prepareScan(ctx: CommandContext, options: ScanOptions): Promise<ScanSetup> {
  const repo = await openRepoIfAny(ctx, options.commit === true);
  const signer = options.commit === true && repo !== undefined ? await ctx.reportSigner(repo, options.node) : undefined;
  const { policyForScan } = await import('../../policy/for-scan.js');
  const policy = await policyForScan({ ...(repo === undefined ? {} : { repo }), ...(options.policy === undefined ? {} : { file: options.policy }), now: new Date() });
  return { repo, signer, policy };
}

async function openRepoIfAny(ctx: CommandContext, required: boolean): Promise<StateRepo | undefined> {
  try {
    return await ctx.openRepo();
  } catch (error) {
    if (!required && (error as { code?: unknown }).code === 'REPO_NOT_FOUND' && ctx.globals.repo === undefined && process.env['STELLA_REPO'] === undefined) {
      return undefined;
    }
    throw error;
  }
}

function parseSeverities(value: string | undefined): Set<SeverityLevel> | undefined {
  if (value === undefined) return undefined;
  const levels = value.split(',').map((level) => level.trim().toUpperCase());
  for (const level of levels) {
    if (!SEVERITY_ORDER.includes(level as SeverityLevel)) {
      throw new StellaError('USAGE', `--severity: unknown level '${level}' (use ${[...SEVERITY_ORDER].reverse().join(', ')})`);
    }
  }
  return new Set(levels as SeverityLevel[]);
}

function parseExitCode(value: string): number {
  const code = Number(value);
  if (!Number.isInteger(code) || code < 0 || code > 255) throw new StellaError('USAGE', `--exit-code: '${value}' is not an exit code (0–255)`);
  return code;
}

/**
 * Width and colour for a person at a terminal: only when writing to a TTY
 * (never to -o), colour unless NO_COLOR (any value, per no-color.org) or
 * --no-color. Piped output is neither cut nor coloured, so nothing is lost
 * to a width no one is looking at.
 */
function terminalContext(options: ScanOptions): ExportContext {
  if (options.output !== undefined || process.stdout.isTTY !== true) return {};
  const context: ExportContext = { color: options.color && (process.env['NO_COLOR'] ?? '') === '' };
  if (process.stdout.columns > 0) context.columns = process.stdout.columns;
  return context;
}

/**
 * The time for formats that carry one: SOURCE_DATE_EPOCH (seconds, the
 * reproducible-builds convention) when set, else now.
 */
function documentTime(wanted: boolean): { timestamp?: string } {
  if (!wanted) return {};
  const epoch = process.env['SOURCE_DATE_EPOCH'];
  if (epoch === undefined || epoch === '') return { timestamp: new Date().toISOString() };
  if (!/^\d+$/.test(epoch)) throw new StellaError('USAGE', `SOURCE_DATE_EPOCH: '${epoch.slice(0, 20)}' is not a number of seconds`);
  return { timestamp: new Date(Number(epoch) * 1000).toISOString() };
}

async function readIgnoreFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new StellaError('USAGE', `--ignore-file ${file}: cannot read it (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, { cause });
  }
}

/** Writes to stdout, or to a file atomically (temp file + rename). */
async function emit(output: ExportOutput, file: string | undefined): Promise<void> {
  if (file === undefined) {
    await new Promise<void>((resolve, reject) => process.stdout.write(output, (error) => (error ? reject(error) : resolve())));
    return;
  }
  await writeFileAtomically(file, exportBytes(output));
}
