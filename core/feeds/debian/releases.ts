/**
 * Debian releases by codename and number, both ways. The security tracker
 * names releases by codename (`[bullseye] - …`), os-release gives
 * `VERSION_CODENAME=bullseye` and `VERSION_ID="11"`, purls say
 * `distro=debian-11` or `distro=bullseye`, and OSV spells the ecosystem
 * `Debian:11`: one table joins them.
 *
 * Releases before etch were numbered major.minor (3.0 woody, 3.1 sarge), so
 * their number keeps the minor; from etch (4.0) on only the major number
 * names the release and point releases (`11.7`) belong to it.
 */

/**
 * One Debian release.
 *
 * @example
 *   { codename: 'bullseye', version: '11', ecosystem: 'Debian:11' }
 */
export interface DebianRelease {
  codename: string;
  /** The release number as OSV uses it: `11`, or `3.1` before etch. */
  version: string;
  /** The OSV ecosystem of the release's packages. */
  ecosystem: string;
}

// Oldest first. Codenames from debian.org/releases; duke (15) is announced.
const TABLE: readonly (readonly [codename: string, version: string])[] = [
  ['buzz', '1.1'],
  ['rex', '1.2'],
  ['bo', '1.3'],
  ['hamm', '2.0'],
  ['slink', '2.1'],
  ['potato', '2.2'],
  ['woody', '3.0'],
  ['sarge', '3.1'],
  ['etch', '4'],
  ['lenny', '5'],
  ['squeeze', '6'],
  ['wheezy', '7'],
  ['jessie', '8'],
  ['stretch', '9'],
  ['buster', '10'],
  ['bullseye', '11'],
  ['bookworm', '12'],
  ['trixie', '13'],
  ['forky', '14'],
  ['duke', '15'],
];

/**
 * Every release Stella knows, oldest first.
 *
 * @example
 *   DEBIAN_RELEASES.find((r) => r.version === '10')?.codename; // 'buster'
 */
export const DEBIAN_RELEASES: readonly DebianRelease[] = TABLE.map(([codename, version]) => ({
  codename,
  version,
  ecosystem: `Debian:${version}`,
}));

// Maps, not object literals: keys come from input, and "constructor" must find nothing.
const BY_CODENAME = new Map(DEBIAN_RELEASES.map((release) => [release.codename, release]));
const BY_VERSION = new Map(DEBIAN_RELEASES.map((release) => [release.version, release]));

// `11`, `11.7`, `4.0r9`, `3.1r8`, `1.3.1`; an optional vendor prefix as in purls and OSV.
const PREFIX_RE = /^debian[-: ]/;
const NUMBER_RE = /^(\d+)(?:\.(\d+))?(?:r\d+)?(?:\.\d+)*$/;

/**
 * The release a codename or a release number names, or undefined. Accepts
 * what os-release, `/etc/debian_version`, purl `distro` qualifiers and OSV
 * ecosystems hold; case and surrounding blanks do not matter. A bare `3`
 * (woody or sarge?) names nothing.
 *
 * @example
 *   debianReleaseFor('bullseye');  // { codename: 'bullseye', version: '11', ecosystem: 'Debian:11' }
 *   debianReleaseFor('11.7')?.codename;       // 'bullseye'
 *   debianReleaseFor('debian-10')?.codename;  // 'buster'
 *   debianReleaseFor('Debian:3.1')?.codename; // 'sarge'
 *   debianReleaseFor('sid');                  // undefined (unstable has no number)
 */
export function debianReleaseFor(codenameOrVersion: string): DebianRelease | undefined {
  const text = codenameOrVersion.trim().toLowerCase().replace(PREFIX_RE, '');
  const named = BY_CODENAME.get(text);
  if (named !== undefined) return named;
  const number = NUMBER_RE.exec(text);
  if (number === null) return undefined;
  const major = Number(number[1]);
  // Before 4.0 the minor number tells releases apart; from 4.0 on it is a point release.
  if (major >= 4) return BY_VERSION.get(String(major));
  const minor = number[2];
  return minor === undefined ? undefined : BY_VERSION.get(`${major}.${Number(minor)}`);
}
