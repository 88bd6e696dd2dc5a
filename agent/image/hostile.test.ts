/**
 * The hostile corpus (shared/tools/make-hostile.py, cached in .cache/hostile):
 * every layer-tar, docker-archive, oci-layout and oci-archive case, run with
 * our dpkg-like test extractor and with the real extractors. Each must end
 * as its `expected` (or an `also_ok`) says, within seconds and without the
 * memory its declared or decompressed sizes would take.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnyExtractor } from '../../core/extract/extractor.js';
import { builtinExtractors } from '../../core/extract/registry.js';
import { isStellaError } from '../../core/errors.js';
import { hostileDir } from '../../test/helpers/paths.js';
import type { TargetInventory } from './inventory.js';
import { readTarget } from './read-target.js';
import { testDpkg } from './image.test-helper.js';

interface HostileCase {
  name: string;
  path: string;
  kind: string;
  expected: 'reject' | 'accept-partial' | 'accept';
  reason: string;
  also_ok?: string[];
}

/** What "the valid entries are still reported" means for each case. */
interface Outcome {
  /** reject: the error code and what its message must say. */
  error?: { code: string | string[]; message: RegExp };
  /** accept / accept-partial: checks on the inventory. */
  os?: string;
  packages?: string[];
  /** accept-partial: a warning must match (undefined: none required — the case says the input may be read whole). */
  warning?: RegExp;
}

const outcomes: Record<string, Outcome> = {
  'control-layer': { os: 'debian', packages: ['zlib1g'] },
  'control-docker-archive': { os: 'debian', packages: ['zlib1g'] },
  'control-oci-layout': { os: 'debian', packages: ['zlib1g'] },
  'tar-abs-path': { os: 'debian', warning: /^\/etc\/passwd: absolute path, read as relative to the image root$/ },
  'tar-dotdot': { os: 'debian', warning: /^usr\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/cron\.d\/hostile: path escapes the image root; skipped$/ },
  'tar-symlink-escape': { os: 'debian', warning: /^escape -> \.\.\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc: symlink points above the image root/ },
  'tar-hardlink-escape': { os: 'debian', warning: /^passwd-copy: hardlink to \.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd, outside the image root; skipped$/ },
  'tar-device-fifo': { os: 'debian', packages: [], warning: /^var\/lib\/dpkg\/status: a fifo, not a regular file; not read$/ },
  'tar-size-4g-truncated': { error: { code: 'TAR_CORRUPT', message: /unexpected end of archive inside usr\/lib\/hostile-4g\.bin/ } },
  'tar-sparse-4g-truncated': { error: { code: 'TAR_CORRUPT', message: /unexpected end of archive inside usr\/lib\/hostile-sparse\.bin/ } },
  'tar-bad-checksum': { error: { code: 'TAR_CORRUPT', message: /tar header checksum mismatch at offset 1024$/ } },
  'tar-pax-1mb-path': { os: 'debian', warning: /path of \d+ bytes is longer than 4096; skipped$/ },
  'tar-entry-count-bomb': { os: 'debian' },
  'tar-name-invalid-utf8': { os: 'debian', warning: /name is not valid UTF-8: usr\/share\/doc\/\\xc0\\xaf\\xc0\\xae\\xc0\\xae\\xc0\\xafetc; skipped$/ },
  'tar-name-nul': { os: 'debian', warning: /name contains NUL: etc\/passwd\\x00\.hostile; skipped$/ },
  'gz-truncated': { error: { code: 'GZIP_CORRUPT', message: /unexpected end of gzip stream/ } },
  'gz-trailing-garbage': { error: { code: 'GZIP_CORRUPT', message: /trailing garbage after the gzip stream/ } },
  'gz-bomb-2g': { error: { code: 'LIMIT_EXCEEDED', message: /decompressed size limit exceeded/ } },
  'gz-multimember': { os: 'debian', packages: ['zlib1g'] },
  'docker-missing-layer': { error: { code: 'IMAGE_INVALID', message: /layer f{64}\/layer\.tar referenced by manifest\.json not found$/ } },
  'oci-digest-mismatch': { error: { code: 'DIGEST_MISMATCH', message: /digest mismatch for manifest blob sha256:/ } },
  'oci-index-cycle': { error: { code: ['DIGEST_MISMATCH', 'IMAGE_INVALID'], message: /digest mismatch for index blob|index cycle/ } },
  'oci-10k-layers': { error: { code: 'LIMIT_EXCEEDED', message: /has 10000 layers, more than the limit of 512$/ } },
  'oci-config-not-json': { error: { code: 'IMAGE_INVALID', message: /image config is not valid JSON$/ } },
  'whiteout-traversal': { os: 'debian', packages: ['zlib1g'], warning: /^layer 2: \.\.\/\.\.\/\.wh\.etc: path escapes the image root; skipped$/ },
  'dpkg-status-200mb': { error: { code: 'LIMIT_EXCEEDED', message: /var\/lib\/dpkg\/status is 200233704 bytes, over the \S+ limit of 67108864$/ } },
};

const KINDS = new Set(['layer-tar', 'docker-archive', 'oci-layout', 'oci-archive']);
const cases = (JSON.parse(readFileSync(join(hostileDir, 'cases.json'), 'utf8')) as { cases: HostileCase[] }).cases.filter((c) => KINDS.has(c.kind));
const extractorSets: Array<[string, readonly AnyExtractor[]]> = [
  ['test dpkg extractor', [testDpkg]],
  ['real extractors', builtinExtractors],
];

const MiB = 1024 * 1024;

describe('hostile corpus', () => {
  it('has an expected outcome for every image case', () => {
    expect(cases.length).toBeGreaterThanOrEqual(26);
    expect(cases.map((c) => c.name).filter((name) => outcomes[name] === undefined)).toEqual([]);
  });

  describe.each(extractorSets)('with the %s', (_label, extractors) => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, hostile) => {
      const outcome = outcomes[hostile.name] ?? {};
      const started = performance.now();
      let result: TargetInventory | undefined;
      let failure: unknown;
      try {
        result = await readTarget(join(hostileDir, hostile.path), { extractors });
      } catch (error) {
        failure = error;
      }
      const seconds = (performance.now() - started) / 1000;
      expect(seconds).toBeLessThan(10);
      // Bounded memory: far below the gigabytes the inputs declare or expand to.
      expect(process.memoryUsage().rss).toBeLessThan(512 * MiB);

      if (hostile.expected === 'reject') {
        // Every reject case here is one we reject (the also_ok alternatives are not taken).
        expect(result).toBeUndefined();
        expect(isStellaError(failure)).toBe(true);
        if (!isStellaError(failure)) return;
        const codes = [outcome.error?.code ?? []].flat();
        expect(codes).toContain(failure.code);
        expect(failure.message).toMatch(outcome.error?.message ?? /./);
        expect(failure.message.startsWith(`${hostile.path}: `)).toBe(true); // names the input
        expect(failure.message).not.toContain('\n');
        return;
      }
      if (failure !== undefined) throw failure;
      if (result === undefined) return;
      if (outcome.os !== undefined) expect(result.os?.id).toBe(outcome.os);
      if (outcome.packages !== undefined) expect(result.packages.filter((p) => p.type === 'deb').map((p) => p.name)).toEqual(outcome.packages);
      if (hostile.expected === 'accept') expect(result.warnings).toEqual([]);
      if (outcome.warning !== undefined) expect(result.warnings).toContainEqual(expect.stringMatching(outcome.warning));
      for (const warning of result.warnings) expect(warning).toMatch(/^[\x20-\x7e…]*$/); // printable, one line
    });
  });
});
