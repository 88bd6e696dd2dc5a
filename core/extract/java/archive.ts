/**
 * The `java-archive` extractor: Maven artifacts inside `.jar`, `.war` and
 * `.ear` files, read in memory.
 *
 * What identifies an artifact:
 * - every `META-INF/maven/<group>/<artifact>/pom.properties` (Maven writes
 *   one per module; shaded jars carry one per library they absorbed), giving
 *   `groupId:artifactId` at `version`;
 * - only when an archive has no usable pom.properties, its
 *   `META-INF/MANIFEST.MF`: `Implementation-Title` and
 *   `Implementation-Version`, with the group from `Implementation-Vendor-Id`.
 *   A manifest without a group names no Maven artifact and gives a warning.
 * - archives inside the archive (`WEB-INF/lib/*.jar`, `BOOT-INF/lib/*.jar`,
 *   an EAR's modules, …) are read the same way, recursively. Their packages
 *   carry `installPath` = the outer file's path plus the path inside it
 *   (`app.war/WEB-INF/lib/x.jar`), so a finding points at the jar to replace.
 * Evidence is `installed`: these are the bytes that run.
 *
 * Hostile archives: nesting deeper than `MAX_NESTING` levels is not
 * followed; every entry read in one file, at any depth, is charged to one
 * `READ_BUDGET` (overlapping entries cannot multiply the work), metadata
 * files over 1 MiB are skipped, at most `MAX_ENTRIES` directory entries are
 * read, and an entry that inflates past its declared size is stopped after
 * one chunk (see core/archive/zip). Each of these is a warning; the rest of
 * the archive is still read. A top-level file that is not a ZIP archive at
 * all is a ZIP_INVALID error; a damaged nested one is a warning. An archive
 * with overlapping entries, or whose local headers name entries differently
 * from its directory, is forged: refused whole, as ZIP_INVALID.
 *
 * @example
 *   const { packages } = await javaArchiveExtractor.extract({ path: 'srv/app.war', contents });
 *   // [{ type: 'maven', name: 'com.example:app', version: '1.0', evidence: 'installed', sourceFile: 'srv/app.war' },
 *   //  { type: 'maven', name: 'org.slf4j:slf4j-api', version: '2.0.7', installPath: 'srv/app.war/WEB-INF/lib/slf4j-api-2.0.7.jar', … }]
 */
import { prefixAndCapWarnings } from '../warnings.js';
import { StellaError } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { basename } from '../path-name.js';
import { parseManifest, parseProperties } from './metadata.js';
import { readZipDirectory } from '../../archive/zip/directory.js';
import type { ZipEntry } from '../../archive/zip/directory.js';
import { readZipEntry } from '../../archive/zip/entry.js';
import type { InflateBudget } from '../../archive/zip/entry.js';
import { bytesSource } from '../../archive/zip/source.js';
import type { ByteSource } from '../../archive/zip/source.js';

/**
 * Fat jars and application wars reach a few hundred MiB.
 *
 * @example
 *   javaArchiveExtractor.maxFileSize === JAVA_ARCHIVE_MAX_FILE_SIZE; // true
 */
export const JAVA_ARCHIVE_MAX_FILE_SIZE = 512 * 1024 * 1024;

/** EAR → WAR → JAR is two levels; four leaves room without inviting recursion bombs. */
const MAX_NESTING = 4;
/**
 * Entry bytes read (inflated or stored) for one file, across all nesting
 * levels: twice the largest file, so a real fat jar fits and a bomb does not.
 */
const READ_BUDGET = 1024 * 1024 * 1024;
/** pom.properties and MANIFEST.MF are a few hundred bytes. */
const MAX_METADATA_SIZE = 1024 * 1024;
/** Entries read across all nesting levels; real fat jars have tens of thousands. */
const MAX_ENTRIES = 1_000_000;
const ARCHIVE_EXTENSIONS = ['.jar', '.war', '.ear'];
const POM_PROPERTIES = /(?:^|\/)META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;
const MANIFEST = 'META-INF/MANIFEST.MF';

/**
 * True for Java archives, by extension.
 *
 * @example
 *   isJavaArchive('opt/app/app.jar');   // true
 *   isJavaArchive('opt/tomcat/webapps/ROOT.war'); // true
 *   isJavaArchive('opt/app/app.jar.sha1');        // false
 */
export function isJavaArchive(path: string): boolean {
  const name = basename(path).toLowerCase();
  return name.length > 4 && ARCHIVE_EXTENSIONS.some((ext) => name.endsWith(ext));
}

/**
 * The Java archive extractor; see the module comment.
 *
 * @example
 *   javaArchiveExtractor.fileRequired('app/lib/guava-33.0.0-jre.jar'); // true
 */
export const javaArchiveExtractor: Extractor<Promise<ExtractResult>> = {
  name: 'java-archive',
  maxFileSize: JAVA_ARCHIVE_MAX_FILE_SIZE,
  fileRequired: isJavaArchive,
  extract: extractArchive,
};

interface Walk {
  path: string;
  budget: InflateBudget;
  entriesLeft: number;
  warnings: string[];
  seen: Set<string>;
  packages: ExtractedPackage[];
}

async function extractArchive({ path, contents }: ExtractInput): Promise<ExtractResult> {
  // The caller may reuse `contents` once this returns: the archive is read from a copy.
  const source = bytesSource(contents.slice());
  const entries = await readZipDirectory(source, MAX_ENTRIES);
  if (typeof entries === 'string') throw new StellaError('ZIP_INVALID', `${path}: not a readable Java archive (${entries})`);
  const walk: Walk = { path, budget: { remaining: READ_BUDGET }, entriesLeft: MAX_ENTRIES - entries.length, warnings: [], seen: new Set(), packages: [] };
  await readArchive(walk, source, entries, '', 0);
  const result: ExtractResult = { packages: walk.packages };
  if (walk.warnings.length > 0) result.warnings = prefixAndCapWarnings(path, walk.warnings);
  return result;
}

/** One archive: its own identity, then the archives inside it. `inner` is its path inside the file ('' at the top). */
async function readArchive(walk: Walk, source: ByteSource, entries: ZipEntry[], inner: string, depth: number): Promise<void> {
  const where = (name: string): string => (inner === '' ? name : `${inner}/${name}`);
  let identified = false;
  for (const entry of entries) {
    if (!POM_PROPERTIES.test(entry.name)) continue;
    const text = await readMetadata(walk, source, entry, where(entry.name));
    if (text === undefined) continue;
    const props = parseProperties(text);
    const g = props.get('groupId');
    const a = props.get('artifactId');
    const v = props.get('version');
    if (g === undefined || a === undefined || v === undefined) {
      walk.warnings.push(`${where(entry.name)}: lacks groupId, artifactId or version; skipped`);
      continue;
    }
    identified = true;
    add(walk, `${g}:${a}`, v, inner);
  }
  if (!identified) await identifyByManifest(walk, source, entries, inner, where);
  for (const entry of entries) {
    if (entry.name.endsWith('/') || !isJavaArchive(entry.name)) continue;
    if (depth >= MAX_NESTING) {
      walk.warnings.push(`${where(entry.name)}: nested more than ${MAX_NESTING} archives deep; not read`);
      continue;
    }
    const data = await readZipEntry(source, entry, { where: walk.path, budget: walk.budget });
    if (typeof data === 'string') {
      walk.warnings.push(`${where(entry.name)}: ${data}; not read`);
      continue;
    }
    if (walk.entriesLeft <= 0) {
      walk.warnings.push(`${where(entry.name)}: more than ${MAX_ENTRIES} entries in total; not read`);
      continue;
    }
    const nestedSource = bytesSource(data);
    const nested = await readZipDirectory(nestedSource, walk.entriesLeft);
    if (typeof nested === 'string') {
      walk.warnings.push(`${where(entry.name)}: ${nested}; not read`);
      continue;
    }
    walk.entriesLeft -= nested.length;
    await readArchive(walk, nestedSource, nested, where(entry.name), depth + 1);
  }
}

async function identifyByManifest(walk: Walk, source: ByteSource, entries: ZipEntry[], inner: string, where: (name: string) => string): Promise<void> {
  const entry = entries.find((e) => e.name === MANIFEST);
  if (entry === undefined) return;
  const text = await readMetadata(walk, source, entry, where(entry.name));
  if (text === undefined) return;
  const manifest = parseManifest(text);
  const title = manifest.get('Implementation-Title');
  const version = manifest.get('Implementation-Version');
  // A display title ("Apache Commons IO") or a placeholder (`${name}`, `%name`) is not an artifact id.
  if (title === undefined || version === undefined || /\s/.test(title) || /^[$%]/.test(title)) return;
  const group = manifest.get('Implementation-Vendor-Id');
  if (group === undefined || /\s/.test(group)) {
    walk.warnings.push(`${where(entry.name)}: ${title} ${version} has no pom.properties and no Implementation-Vendor-Id, so no Maven group; not reported`);
    return;
  }
  add(walk, `${group}:${title}`, version, inner);
}

async function readMetadata(walk: Walk, source: ByteSource, entry: ZipEntry, label: string): Promise<string | undefined> {
  if (entry.size > MAX_METADATA_SIZE) {
    walk.warnings.push(`${label}: ${entry.size} bytes is too large for a metadata file; skipped`);
    return undefined;
  }
  const data = await readZipEntry(source, entry, { where: walk.path, budget: walk.budget });
  if (typeof data === 'string') {
    walk.warnings.push(`${label}: ${data}; skipped`);
    return undefined;
  }
  return new TextDecoder().decode(data);
}

function add(walk: Walk, name: string, version: string, inner: string): void {
  const key = `${name}\u0000${version}\u0000${inner}`;
  if (walk.seen.has(key)) return;
  walk.seen.add(key);
  const pkg: ExtractedPackage = { type: 'maven', name, version, sourceFile: walk.path, evidence: 'installed' };
  if (inner !== '') pkg.installPath = `${walk.path}/${inner}`;
  walk.packages.push(pkg);
}

