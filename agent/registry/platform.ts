/**
 * Platforms (`os/arch[/variant]`) and choosing an image of a manifest list
 * or OCI index. The default is the node's own platform, named as Go (and so
 * image indexes) name it: Node's `x64` is `amd64`, `ia32` is `386`.
 *
 * @example
 *   parsePlatform('linux/arm64/v8'); // { os: 'linux', architecture: 'arm64', variant: 'v8' }
 *   nodePlatform();                  // { os: 'linux', architecture: 'amd64' } on this machine
 */
import { StellaError } from '../../core/errors.js';

/** An image platform. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };

/** Parses `os/arch[/variant]`. */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/.test(p))) {
    throw new StellaError('USAGE', `--platform ${text}: expected os/arch[/variant], like linux/amd64 or linux/arm64/v8`);
  }
  const [os = '', architecture = '', variant] = parts;
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

/** The platform this process runs on. */
export function nodePlatform(): Platform {
  const architecture = ARCH[process.arch] ?? process.arch;
  return { os: process.platform === 'win32' ? 'windows' : process.platform, architecture };
}

/** `os/arch[/variant]`. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, ...(platform.variant === undefined ? [] : [platform.variant])].join('/');
}

/**
 * True when an index entry's platform serves `wanted`: the same os and
 * architecture, and the same variant when one is asked for (an entry
 * without a variant serves any; arm64's default variant is v8).
 */
export function platformMatches(entry: unknown, wanted: Platform): boolean {
  if (typeof entry !== 'object' || entry === null) return false;
  const { os, architecture, variant } = entry as Record<string, unknown>;
  if (os !== wanted.os || architecture !== wanted.architecture) return false;
  if (wanted.variant === undefined || variant === undefined) return true;
  return variant === wanted.variant;
}
