/**
 * What every command needs from the global options and the environment:
 * config, the state repository, the node name, a logger. Resolved lazily,
 * so `stella scan --help` works without a repository.
 */
import type { Command } from 'commander';
import { StellaError } from '../../core/errors.js';
import type { SigningKey } from '../../core/sign/keys.js';
import { loadConfig, resolveNode, resolveRepo, stellaHome, type AgentConfig } from '../config.js';
import { createLogger, type Logger } from '../log.js';
import { loadKey } from '../repo/keystore.js';
import { openStateRepo, type StateRepo } from '../repo/state-repo.js';

export const ExitCode = { ok: 0, verifyFailed: 1, error: 2 } as const;

export interface CommandResult {
  exitCode: number;
}

export type SetResult = (result: CommandResult) => void;

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
    return openStateRepo(await this.repoPath());
  }

  async node(flag: string | undefined): Promise<string> {
    return resolveNode(flag, await this.config());
  }

  /** The signing key this clone was set up with (`stella init`). */
  async signingKey(repo: StateRepo): Promise<SigningKey> {
    if (repo.signingKeyId === undefined) {
      throw new StellaError('KEY_NOT_FOUND', `${repo.dir}: no signing key configured for this clone (git config stella.signingkey)`);
    }
    return loadKey(this.home(), repo.signingKeyId);
  }
}
