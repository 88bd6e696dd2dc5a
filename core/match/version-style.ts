/**
 * One spelling of versions per ecosystem. Go modules are versioned
 * `v1.6.0` (go.mod, `go list -m`, most SBOM generators), but Go's OSV
 * records write `1.7.7`, and our extractors keep what the peer tools keep
 * (no `v`). So a finding could read "installed v1.6.0, fixed 1.7.7".
 *
 * - In the report, a finding's `fixed` takes the spelling of its
 *   `installed` (which stays the component's own version, as its purl and
 *   SBOM have it): `alignFixed`.
 * - On screen, Go versions always carry the `v`: `displayVersion`.
 *
 * @example
 *   alignFixed('Go', 'v1.6.0', '1.7.7');           // 'v1.7.7'
 *   displayVersion('pkg:golang/x/y@1.6.0', '1.6.0'); // 'v1.6.0'
 */

/** `fixed` spelt like `installed` (`v` or not) for Go; other ecosystems unchanged. */
export function alignFixed(ecosystem: string, installed: string, fixed: string): string {
  if (ecosystem !== 'Go') return fixed;
  const bare = stripGoPrefix(fixed);
  return installed.startsWith('v') ? `v${bare}` : bare;
}

/** The version as a person reads it: Go's with a `v` (the toolchain's `go1.22.1` too), others as given. */
export function displayVersion(purl: string, version: string): string {
  if (!purl.startsWith('pkg:golang/') || version === '') return version;
  return `v${stripGoPrefix(version)}`;
}

function stripGoPrefix(version: string): string {
  if (/^go\d/.test(version)) return version.slice(2);
  return version.startsWith('v') ? version.slice(1) : version;
}
