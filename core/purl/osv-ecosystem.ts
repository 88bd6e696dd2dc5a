/**
 * From a purl to the (ecosystem, package name) pair OSV records use
 * (https://ossf.github.io/osv-schema/#affectedpackage-field). Distro
 * ecosystems carry the release (`Debian:12`, `Ubuntu:22.04:LTS`,
 * `Alpine:v3.19`), and distro advisories are keyed by *source* package, so
 * for deb and apk the `upstream` qualifier's name wins over the binary name.
 */
import type { Purl } from './parse.js';
import { parsePurl } from './parse.js';

/** An OSV `affected[].package` key. */
export interface OsvPackage {
  ecosystem: string;
  name: string;
}

// Debian and Ubuntu codenames, for purls whose distro qualifier is a codename
// (`distro=bookworm`, as in the purl spec's own deb examples).
const DEBIAN_CODENAMES: Readonly<Record<string, string>> = {
  jessie: '8', stretch: '9', buster: '10', bullseye: '11', bookworm: '12', trixie: '13', forky: '14',
};
const UBUNTU_CODENAMES: Readonly<Record<string, string>> = {
  xenial: '16.04', bionic: '18.04', focal: '20.04', jammy: '22.04', kinetic: '22.10', lunar: '23.04',
  mantic: '23.10', noble: '24.04', oracular: '24.10', plucky: '25.04', questing: '25.10',
};

/** Ecosystems whose OSV name is just the purl name. */
const PLAIN: Readonly<Record<string, string>> = {
  cargo: 'crates.io', pypi: 'PyPI', gem: 'RubyGems', nuget: 'NuGet', hex: 'Hex', pub: 'Pub',
  cran: 'CRAN', hackage: 'Hackage', bitnami: 'Bitnami', conan: 'ConanCenter',
};
/** Ecosystems whose OSV name is `namespace/name`. */
const SLASHED: Readonly<Record<string, string>> = {
  npm: 'npm', golang: 'Go', composer: 'Packagist', swift: 'SwiftURL', githubactions: 'GitHub Actions',
};

/** `debian-12.4` / `debian-bookworm` / `12` → the release without the vendor prefix. */
function release(purl: Purl, vendor: string): string | undefined {
  const distro = purl.qualifiers['distro']?.toLowerCase();
  if (!distro) return undefined;
  return distro.startsWith(`${vendor}-`) ? distro.slice(vendor.length + 1) : distro;
}

function debianEcosystem(purl: Purl): string {
  const rel = release(purl, 'debian');
  const major = rel === undefined ? undefined : (/^(\d+)/.exec(rel)?.[1] ?? DEBIAN_CODENAMES[rel]);
  return major ? `Debian:${major}` : 'Debian';
}

function ubuntuEcosystem(purl: Purl): string {
  const rel = release(purl, 'ubuntu');
  const version = rel === undefined ? undefined : (/^(\d+\.\d+)/.exec(rel)?.[1] ?? UBUNTU_CODENAMES[rel]);
  if (!version) return 'Ubuntu';
  // OSV marks LTS releases (even year, April) with a `:LTS` suffix.
  const [year, month] = version.split('.').map(Number);
  return year !== undefined && year % 2 === 0 && month === 4 ? `Ubuntu:${version}:LTS` : `Ubuntu:${version}`;
}

function alpineEcosystem(purl: Purl): string {
  const rel = release(purl, 'alpine');
  const minor = rel === undefined ? undefined : /^v?(\d+\.\d+)/.exec(rel)?.[1];
  return minor ? `Alpine:v${minor}` : 'Alpine';
}

/** The source package from `upstream=name[@version]`, else the binary name. */
function sourceName(purl: Purl): string {
  const upstream = purl.qualifiers['upstream'];
  if (!upstream) return purl.name;
  const at = upstream.indexOf('@');
  return at > 0 ? upstream.slice(0, at) : upstream;
}

function withNamespace(purl: Purl, separator: string): string {
  return purl.namespace ? `${purl.namespace}${separator}${purl.name}` : purl.name;
}

function distroPackage(purl: Purl): OsvPackage | undefined {
  const vendor = purl.namespace?.toLowerCase();
  if (purl.type === 'deb') {
    if (vendor === 'debian') return { ecosystem: debianEcosystem(purl), name: sourceName(purl) };
    if (vendor === 'ubuntu') return { ecosystem: ubuntuEcosystem(purl), name: sourceName(purl) };
    return undefined;
  }
  if (purl.type === 'apk') {
    if (vendor === 'alpine') return { ecosystem: alpineEcosystem(purl), name: sourceName(purl) };
    if (vendor === 'wolfi') return { ecosystem: 'Wolfi', name: sourceName(purl) };
    if (vendor === 'chainguard') return { ecosystem: 'Chainguard', name: sourceName(purl) };
    return undefined;
  }
  if (purl.type === 'rpm') {
    const major = /^(?:[a-z]+-)?(\d+)/.exec(purl.qualifiers['distro'] ?? '')?.[1];
    const ecosystem = vendor === 'almalinux' ? 'AlmaLinux' : vendor === 'rocky' || vendor === 'rocky-linux' ? 'Rocky Linux' : undefined;
    if (!ecosystem) return undefined;
    return { ecosystem: major ? `${ecosystem}:${major}` : ecosystem, name: purl.name };
  }
  return undefined;
}

/**
 * The OSV ecosystem and package name for a purl, or undefined when OSV has
 * no ecosystem for it. Accepts a purl string (parsed, may throw
 * SBOM_INVALID) or a parsed Purl.
 *
 * @example
 *   osvEcosystemFor('pkg:npm/%40babel/core@7.24.0')            // { ecosystem: 'npm', name: '@babel/core' }
 *   osvEcosystemFor('pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1')
 *     // { ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core' }
 *   osvEcosystemFor('pkg:deb/debian/libc6@2.36-9?distro=debian-12&upstream=glibc')
 *     // { ecosystem: 'Debian:12', name: 'glibc' }
 */
export function osvEcosystemFor(purl: string | Purl): OsvPackage | undefined {
  const p = typeof purl === 'string' ? parsePurl(purl) : purl;
  const plain = PLAIN[p.type];
  if (plain) return { ecosystem: plain, name: p.name };
  const slashed = SLASHED[p.type];
  if (slashed) return { ecosystem: slashed, name: withNamespace(p, '/') };
  if (p.type === 'maven') return { ecosystem: 'Maven', name: withNamespace(p, ':') };
  return distroPackage(p);
}
