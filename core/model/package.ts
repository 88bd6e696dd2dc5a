/**
 * What an extractor finds: one installed or locked package, before it is
 * placed in a target (layer, OS release) and given its purl.
 */

/** Package types we extract, named as in the purl spec. */
export type PackageType = 'deb' | 'npm';

export interface ExtractedPackage {
  type: PackageType;
  /** Name as the ecosystem spells it; for npm, including the scope (`@babel/core`). */
  name: string;
  version: string;
  /** Path of the file that recorded the package, relative to the target root, no leading slash. */
  sourceFile: string;
  /**
   * Where the package itself lives, when that differs from `sourceFile`
   * (npm: the `node_modules/…` folder, relative to the target root).
   */
  installPath?: string;
  /** dpkg: CPU architecture (`amd64`, `all`). */
  arch?: string;
  /** dpkg: the source package and its version, when they differ from the binary's. */
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
