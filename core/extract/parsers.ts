/**
 * The parser libraries that more than one extractor folder shares, each
 * loaded on first use (see lazy-module.ts): YAML for the pnpm and yarn
 * berry lockfiles, TOML for Cargo, Poetry and uv. Nothing here is imported
 * until a file in one of those formats is parsed.
 *
 * @example
 *   const text = new TextDecoder().decode(contents);
 *   const { parse } = await loadToml(path);
 *   const doc = parse(text);
 */
import { lazyModule } from './lazy-module.js';
import type { LazyModule } from './lazy-module.js';

/**
 * The `yaml` package. It is CommonJS, so the module is its default export:
 * in the CLI's bundle a lazily loaded CommonJS chunk has no named exports
 * (scripts/bundle-cli.mjs).
 *
 * @example
 *   const { parseDocument } = await loadYaml('yarn.lock');
 */
export const loadYaml: LazyModule<typeof import('yaml')> = lazyModule('the YAML parser (yaml)', async () => (await import('yaml')).default);

/**
 * The `smol-toml` package.
 *
 * @example
 *   const { parse } = await loadToml('Cargo.lock');
 */
export const loadToml: LazyModule<typeof import('smol-toml')> = lazyModule('the TOML parser (smol-toml)', () => import('smol-toml'));
