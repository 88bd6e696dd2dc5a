/**
 * Which version ordering applies to an OSV ecosystem. An explicit list, one
 * line per ordering, keyed by the ordering's own `ecosystem`: a new
 * ecosystem is one import and one line, and two orderings claiming the same
 * name fail at load rather than shadowing each other.
 */
import { StellaError } from '../errors.js';
import { alpineOrdering } from './alpine.js';
import { cranOrdering } from './cran.js';
import { dpkgOrdering, ubuntuOrdering } from './dpkg.js';
import { goOrdering } from './go.js';
import { hackageOrdering } from './hackage.js';
import { mavenOrdering } from './maven.js';
import { nugetOrdering } from './nuget.js';
import type { VersionOrdering } from './ordering.js';
import { packagistOrdering } from './packagist.js';
import { pubOrdering } from './pub.js';
import { pypiOrdering } from './pypi.js';
import { almaLinuxOrdering, openSuseOrdering, redHatOrdering, rockyLinuxOrdering, suseOrdering } from './rpm.js';
import { rubygemsOrdering } from './rubygems.js';
import { cratesOrdering, createSemverOrdering, semverOrdering } from './semver.js';

/** Bitnami's OSV records use SEMVER ranges over the upstream releases it packages. */
const bitnamiOrdering: VersionOrdering = createSemverOrdering('Bitnami', true);

const ORDERINGS: readonly VersionOrdering[] = [
  semverOrdering, // npm
  cratesOrdering, // crates.io
  bitnamiOrdering, // Bitnami
  goOrdering, // Go
  pypiOrdering, // PyPI
  mavenOrdering, // Maven
  nugetOrdering, // NuGet
  rubygemsOrdering, // RubyGems
  packagistOrdering, // Packagist
  pubOrdering, // Pub
  hackageOrdering, // Hackage
  cranOrdering, // CRAN
  dpkgOrdering, // Debian
  ubuntuOrdering, // Ubuntu
  alpineOrdering, // Alpine
  redHatOrdering, // Red Hat
  almaLinuxOrdering, // AlmaLinux
  rockyLinuxOrdering, // Rocky Linux
  openSuseOrdering, // openSUSE
  suseOrdering, // SUSE
];

function index(orderings: readonly VersionOrdering[]): ReadonlyMap<string, VersionOrdering> {
  const byName = new Map<string, VersionOrdering>();
  for (const ordering of orderings) {
    if (byName.has(ordering.ecosystem)) {
      throw new StellaError('INTERNAL', `two version orderings are registered for ecosystem "${ordering.ecosystem}"`);
    }
    byName.set(ordering.ecosystem, ordering);
  }
  return byName;
}

// A Map, not an object literal: ecosystem names come from records, and
// "constructor" or "__proto__" must not find anything.
const BY_ECOSYSTEM = index(ORDERINGS);

/**
 * The OSV ecosystem name without its release or variant suffix: everything
 * before the first `:`.
 *
 * @example
 *   baseEcosystem('Debian:12');            // 'Debian'
 *   baseEcosystem('Ubuntu:Pro:18.04:LTS'); // 'Ubuntu'
 *   baseEcosystem('npm');                  // 'npm'
 */
export function baseEcosystem(ecosystem: string): string {
  const colon = ecosystem.indexOf(':');
  return colon === -1 ? ecosystem : ecosystem.slice(0, colon);
}

/**
 * The ordering for an OSV ecosystem name (a `:suffix` such as `Debian:12`
 * is ignored), or undefined when Stella cannot order that ecosystem's
 * versions. Names are matched exactly, as OSV spells them.
 *
 * @example
 *   orderingFor('Debian:12')?.compare('1.0-1', '1.0-1+deb12u1'); // -1
 *   orderingFor('crates.io') === cratesOrdering;                 // true
 *   orderingFor('SwiftURL');                                     // undefined
 */
export function orderingFor(ecosystem: string): VersionOrdering | undefined {
  return BY_ECOSYSTEM.get(baseEcosystem(ecosystem));
}
