// Two test projects (`npm test` runs both; `--project node|workerd` picks one):
//   node     everything named *.test.ts, in Node (forks), after the global setup (dist/, images, tools)
//   workerd  *.workerd.test.ts under core/ and edge/, inside the Workers runtime (workerd) through
//            @cloudflare/vitest-pool-workers, with wrangler.toml's bindings and test values for the
//            secrets (see edge/README.md, "Running and testing").
// A workerd test ends in .test.ts too, so the build, the layer check and tsconfig treat it as a test.
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { exportJWK, generateKeyPair } from 'jose';
import { configDefaults, defineConfig } from 'vitest/config';

/** Tests that run inside workerd; the Node project leaves them out. */
const WORKERD_TESTS = ['core/**/*.workerd.test.ts', 'edge/**/*.workerd.test.ts'];

/** Secrets wrangler.toml names but never holds: fresh values per run, as `wrangler secret put` would set. */
async function testSecrets(): Promise<Record<string, string>> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return {
    TOKEN_SIGNING_KEY: JSON.stringify(await exportJWK(privateKey)),
    ADMIN_SECRET: `workerd-test-admin-${crypto.randomUUID()}`,
    DASHBOARD_SECRET: `workerd-test-dashboard-${crypto.randomUUID()}`,
    // No Git remote: enrollment is recorded in KV only (the Git path is tested against a real server in Node).
    GIT_REMOTE_URL: '',
    GIT_USERNAME: '',
    GIT_PASSWORD: '',
  };
}

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['core/**/*.test.ts', 'agent/**/*.test.ts', 'edge/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...WORKERD_TESTS],
          globalSetup: ['test/helpers/global-setup.ts'],
          // Tests commit with native git as attackers and operators do. On a fresh machine git knows no
          // identity and refuses; EMAIL is git's last resort, used only when no user.email is configured.
          env: { EMAIL: process.env['EMAIL'] ?? 'stella-tests@example.invalid' },
          testTimeout: 120_000,
          hookTimeout: 300_000,
          pool: 'forks',
        },
      },
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: { bindings: await testSecrets() },
          })),
        ],
        test: {
          name: 'workerd',
          include: WORKERD_TESTS,
          testTimeout: 30_000,
        },
      },
    ],
  },
});
