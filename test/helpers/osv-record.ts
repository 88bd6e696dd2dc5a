/**
 * A minimal OSV record for tests that import an advisory of their own:
 * one package, affected from 0 up to `fixed` (SEMVER for npm, ECOSYSTEM
 * otherwise).
 *
 * @example await writeFile(join(feed, 'TEST-0002.json'), JSON.stringify(osvRecord('TEST-0002', 'npm', 'axios', '0.21.2')));
 */
export function osvRecord(id: string, ecosystem: string, name: string, fixed: string): object {
  return {
    schema_version: '1.6.0',
    id,
    modified: '2026-01-01T00:00:00Z',
    published: '2026-01-01T00:00:00Z',
    summary: `${name} test advisory`,
    affected: [{ package: { ecosystem, name }, ranges: [{ type: ecosystem === 'npm' ? 'SEMVER' : 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
  };
}
