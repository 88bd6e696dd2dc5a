/**
 * What an extractor finds: one installed or locked package, before it is
 * placed in a target (layer, OS release) and given its purl.
 */

/** Package types we extract, named as in the purl spec. */
export type PackageType = 'deb' | 'apk' | 'rpm' | 'npm' | 'pypi' | 'golang' | 'cargo' | 'gem' | 'composer' | 'maven' | 'nuget';

export interface ExtractedPackage {
  type: PackageType;
  /**
   * Name as the ecosystem spells it: npm with its scope (`@babel/core`), Go
   * the module path, Maven `group:artifact`, Composer `vendor/name`.
   */
  name: string;
  /** Version as the ecosystem spells it; rpm as `[epoch:]version-release`. */
  version: string;
  /** Path of the file that recorded the package, relative to the target root, no leading slash. */
  sourceFile: string;
  /**
   * Where the package itself lives, when that differs from `sourceFile`
   * (npm: the `node_modules/…` folder, relative to the target root).
   */
  installPath?: string;
  /** OS packages: CPU architecture (`amd64`, `all`, `x86_64`). */
  arch?: string;
  /** OS packages: the source package (dpkg Source, apk origin, rpm source rpm name) and its version, when they differ from the binary's. */
  sourceName?: string;
  sourceVersion?: string;
  /** npm: dev / optional / peer dependency flags from a lockfile. */
  dev?: boolean;
  optional?: boolean;
  /** How this package was found: lockfile, installed metadata, package database. */
  evidence: 'lockfile' | 'installed' | 'package-db';
}

/** `/etc/os-release` fields we use. */
export interface OsRelease {
  id: string; // "debian"
  versionId?: string; // "12"
  versionCodename?: string; // "bookworm"
  prettyName?: string;
}
