/**
 * What every command needs from the global options and the environment:
 * config, the state repository, the node name, a logger. Resolved lazily,
 * so `stella scan --help` works without a repository; the repository and
 * key code is loaded lazily too, so a command starts (and `stella scan`
 * starts reading its target) before Git and signing are loaded.
 */
import type { Command } from 'commander';
import { StellaError } from '../../core/errors.js';
import type { SigningKey } from '../../core/sign/keys.js';
import { loadConfig, resolveNode, resolveRepo, stellaHome, type AgentConfig } from '../config.js';
import { createLogger, type Logger } from '../log.js';
import type { StateRepo } from '../repo/state-repo.js';

export { ExitCode, type CommandResult, type SetResult } from './exit.js';

export interface GlobalOptions {
  repo?: string;
  quiet?: boolean;
  verbose?: boolean;
}

export class CommandContext {
  readonly log: Logger;
  private configPromise: Promise<AgentConfig> | undefined;

  constructor(readonly globals: GlobalOptions) {
    this.log = createLogger({ quiet: globals.quiet === true, verbose: globals.verbose === true });
  }

  static of(command: Command): CommandContext {
    return new CommandContext(command.optsWithGlobals<GlobalOptions>());
  }

  config(): Promise<AgentConfig> {
    this.configPromise ??= loadConfig();
    return this.configPromise;
  }

  home(): string {
    return stellaHome();
  }

  async repoPath(): Promise<string> {
    return resolveRepo(this.globals.repo, await this.config());
  }

  async openRepo(): Promise<StateRepo> {
    const { openStateRepo } = await import('../repo/state-repo.js');
    return openStateRepo(await this.repoPath());
  }

  /**
   * This node: --node, $STELLA_NODE, the node persisted for the state
   * repository (`stella init --node`, `stella config set node`), the config
   * file, the host name.
   */
  async node(flag: string | undefined): Promise<string> {
    const config = await this.config();
    if (flag !== undefined || process.env['STELLA_NODE'] !== undefined) return resolveNode(flag, config);
    return resolveNode(undefined, config, process.env, await this.repoNode());
  }

  /** The node for a repository being created: as {@link node}, without a repository to ask. */
  async nodeForNewRepo(flag: string | undefined): Promise<string> {
    return resolveNode(flag, await this.config());
  }

  /** The node persisted in the state repository's .git/config, if a repository is named and has one. */
  async repoNode(): Promise<string | undefined> {
    let dir: string;
    try {
      dir = await this.repoPath();
    } catch (error) {
      if ((error as { code?: unknown }).code === 'REPO_NOT_FOUND') return undefined;
      throw error;
    }
    const { readRepoNode } = await import('../repo/node-setting.js');
    return readRepoNode(dir);
  }

  /**
   * The node a report will be committed as and the key that signs it,
   * refused (with the command that fixes it) when the key is not enrolled
   * for that node: such a report would fail `stella verify`.
   */
  async reportSigner(repo: StateRepo, flag: string | undefined): Promise<{ node: string; key: SigningKey }> {
    const node = await this.node(flag);
    const key = await this.signingKey(repo);
    const { assertEnrolled } = await import('../repo/enrollment.js');
    await assertEnrolled(repo, { node, key, home: this.home() });
    return { node, key };
  }

  /** The signing key this clone was set up with (`stella init`). */
  async signingKey(repo: StateRepo): Promise<SigningKey> {
    if (repo.signingKeyId === undefined) {
      throw new StellaError('KEY_NOT_FOUND', `${repo.dir}: no signing key configured for this clone (git config stella.signingkey)`);
    }
    const { loadKey } = await import('../repo/keystore.js');
    return loadKey(this.home(), repo.signingKeyId);
  }
}
