/**
 * Package URLs (purl, https://github.com/package-url/purl-spec): the purl of
 * an extracted package, plus the parsing, canonical form and OSV mapping
 * from the sibling modules.
 */
import { PackageURL } from 'packageurl-js';
import { StellaError } from '../errors.js';
import type { ExtractedPackage, OsRelease } from '../model/package.js';
import { formatPurl, quoteForMessage } from './parse.js';

export { canonicalPurl, formatPurl, MAX_PURL_LENGTH, parsePurl, quoteForMessage } from './parse.js';
export type { Purl } from './parse.js';
export { osvEcosystemFor } from './osv-ecosystem.js';
export type { OsvPackage } from './osv-ecosystem.js';

function build(pkg: ExtractedPackage, type: string, namespace: string | undefined, name: string, qualifiers: Record<string, string>): string {
  let normalised: PackageURL;
  try {
    // packageurl-js validates the components and applies the type's normalisation (lowercasing).
    normalised = new PackageURL(type, namespace, name, pkg.version || undefined, qualifiers, undefined);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new StellaError('SBOM_INVALID', `cannot build a purl for ${pkg.type} package ${quoteForMessage(pkg.name)} from ${pkg.sourceFile}: ${reason}`, { cause });
  }
  return formatPurl({
    type: normalised.type,
    ...(normalised.namespace ? { namespace: normalised.namespace } : {}),
    name: normalised.name,
    ...(normalised.version ? { version: normalised.version } : {}),
    qualifiers: normalised.qualifiers ?? {},
  });
}

/** `debian-12`, or `debian-trixie` when a testing release has no VERSION_ID. */
function distroQualifier(os: OsRelease | undefined): string | undefined {
  if (!os) return undefined;
  const release = os.versionId ?? os.versionCodename;
  return release ? `${os.id.toLowerCase()}-${release}` : undefined;
}

/**
 * Syft's `upstream` qualifier: the source package, with `@version` when the
 * source version differs from the binary's (binNMUs, `Source: x (1.2-3)`).
 */
function upstreamQualifier(pkg: ExtractedPackage): string | undefined {
  if (pkg.sourceName === undefined && pkg.sourceVersion === undefined) return undefined;
  const source = pkg.sourceName ?? pkg.name;
  if (pkg.sourceVersion !== undefined && pkg.sourceVersion !== pkg.version) return `${source}@${pkg.sourceVersion}`;
  return source !== pkg.name ? source : undefined;
}

/**
 * The purl of an extracted package, in canonical form.
 *
 * deb: namespace is the OS id (`debian`, `ubuntu`; `debian` when unknown),
 * qualifiers `arch`, `distro=<id>-<version_id>` and, when the source package
 * differs, `upstream=<source>[@<source version>]` (Syft's convention, which
 * Grype matches on; the purl spec defines no source qualifier for deb).
 *
 * @example
 *   purlForPackage({ type: 'deb', name: 'libc6', version: '2.36-9+deb12u4', arch: 'amd64',
 *     sourceName: 'glibc', sourceFile: 'var/lib/dpkg/status', evidence: 'package-db' },
 *     { id: 'debian', versionId: '12' })
 *   // 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc'
 *   purlForPackage({ type: 'npm', name: '@babel/core', version: '7.24.0', sourceFile: 'package-lock.json', evidence: 'lockfile' })
 *   // 'pkg:npm/%40babel/core@7.24.0'
 */
export function purlForPackage(pkg: ExtractedPackage, os?: OsRelease): string {
  switch (pkg.type) {
    case 'deb':
    case 'apk':
      return build(pkg, pkg.type, (os?.id ?? (pkg.type === 'deb' ? 'debian' : 'alpine')).toLowerCase(), pkg.name, osQualifiers(pkg, os));
    case 'rpm': {
      // purl-spec: the epoch is a qualifier, the version is version-release.
      const colon = pkg.version.indexOf(':');
      const epoch = colon > 0 && /^\d+$/.test(pkg.version.slice(0, colon)) ? pkg.version.slice(0, colon) : undefined;
      const qualifiers = osQualifiers(pkg, os);
      if (epoch !== undefined && epoch !== '0') qualifiers['epoch'] = epoch;
      const evr = { ...pkg, version: epoch === undefined ? pkg.version : pkg.version.slice(colon + 1) };
      return build(evr, 'rpm', (os?.id ?? 'redhat').toLowerCase(), pkg.name, qualifiers);
    }
    case 'npm':
    case 'composer': {
      const slash = pkg.name.indexOf('/');
      const scoped = pkg.type === 'npm' ? pkg.name.startsWith('@') : slash > 0;
      if (scoped) {
        if (slash < (pkg.type === 'npm' ? 2 : 1) || slash === pkg.name.length - 1) {
          throw new StellaError('SBOM_INVALID', `cannot build a purl for ${pkg.type} package ${quoteForMessage(pkg.name)} from ${pkg.sourceFile}: expected namespace/name`);
        }
        return build(pkg, pkg.type, pkg.name.slice(0, slash), pkg.name.slice(slash + 1), {});
      }
      return build(pkg, pkg.type, undefined, pkg.name, {});
    }
    case 'golang': {
      const slash = pkg.name.lastIndexOf('/');
      return slash > 0 ? build(pkg, 'golang', pkg.name.slice(0, slash), pkg.name.slice(slash + 1), {}) : build(pkg, 'golang', undefined, pkg.name, {});
    }
    case 'maven': {
      const [group, artifact, ...rest] = pkg.name.split(':');
      if (!group || !artifact || rest.length > 0) {
        throw new StellaError('SBOM_INVALID', `cannot build a purl for maven package ${quoteForMessage(pkg.name)} from ${pkg.sourceFile}: expected group:artifact`);
      }
      return build(pkg, 'maven', group, artifact, {});
    }
    case 'pypi':
    case 'cargo':
    case 'gem':
    case 'nuget':
      return build(pkg, pkg.type, undefined, pkg.name, {});
    default: {
      const unknown: never = pkg.type;
      throw new StellaError('INTERNAL', `purlForPackage: unhandled package type ${String(unknown)}`);
    }
  }
}

/** arch, distro and upstream (source package) qualifiers of an OS package. */
function osQualifiers(pkg: ExtractedPackage, os: OsRelease | undefined): Record<string, string> {
  const qualifiers: Record<string, string> = {};
  if (pkg.arch) qualifiers['arch'] = pkg.arch;
  const distro = distroQualifier(os);
  if (distro) qualifiers['distro'] = distro;
  const upstream = upstreamQualifier(pkg);
  if (upstream) qualifiers['upstream'] = upstream;
  return qualifiers;
}
