/**
 * The `maven-pom` extractor: dependencies declared in a Maven `pom.xml`.
 *
 * Resolution happens inside the one file, since an extractor sees one file:
 * - `${…}` in a group, artifact or version is resolved from the pom's own
 *   `<properties>` (recursively), `project.version` / `project.groupId` /
 *   `project.artifactId` (falling back to the `<parent>` coordinates, as
 *   Maven inherits them) and `project.parent.*`; the old `pom.*` and bare
 *   `version` / `groupId` spellings too.
 * - A dependency without a `<version>` takes it from `<dependencyManagement>`.
 * - Profiles marked `<activeByDefault>true</activeByDefault>` add their
 *   properties, dependencies and dependency management; other profiles
 *   depend on the build machine and are ignored.
 * - A version range keeps its lower bound (`[9.4.35,9.5)` → `9.4.35`), as
 *   the peer does: it is the least that can be resolved.
 * - One package per `group:artifact`, the first declaration winning
 *   (type and classifier are not part of the name).
 * What cannot be resolved here — a version managed by a parent pom or an
 * imported BOM, a property from the parent, the environment or settings —
 * is a warning naming the dependency, and the dependency is skipped: a
 * parent pom at `<relativePath>` or in a repository is another file, and
 * reporting a guessed version would be worse than reporting none.
 * Plugin dependencies (`<build><plugins>`) are build tools, not part of the
 * artifact, and are not reported. `test`-scoped dependencies carry `dev`,
 * `<optional>true</optional>` ones `optional`.
 *
 * A file that is not well-formed XML (see xml.ts), or whose root is not
 * `<project>`, is an error naming the file. The XML parser is loaded when
 * the first pom is read, so `extract` returns a Promise.
 *
 * @example
 *   const { packages } = await mavenPomExtractor.extract({ path: 'app/pom.xml', contents });
 *   // [{ type: 'maven', name: 'junit:junit', version: '4.12', evidence: 'lockfile', dev: true, … }]
 */
import { prefixAndCapWarnings } from '../warnings.js';
import { StellaError } from '../../errors.js';
import type { StellaErrorCode } from '../../errors.js';
import type { ExtractedPackage } from '../../model/package.js';
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { child, isNode, list, parseXml, text } from './xml.js';
import type { XmlNode } from './xml.js';

/**
 * Hand-written poms are tens of KiB; 16 MiB only stops files that are not one.
 *
 * @example
 *   mavenPomExtractor.maxFileSize === MAVEN_POM_MAX_FILE_SIZE; // true
 */
export const MAVEN_POM_MAX_FILE_SIZE = 16 * 1024 * 1024;

/**
 * There is no code for "manifest unreadable" yet; IMAGE_INVALID is what the
 * dpkg extractor uses for a file from the target it cannot read. One place to change.
 */
const MANIFEST_INVALID: StellaErrorCode = 'IMAGE_INVALID';
/** Property chains in real poms are two or three deep; this bounds cycles and hostile chains. */
const MAX_INTERPOLATION_DEPTH = 16;

/**
 * True for Maven project files.
 *
 * @example
 *   isMavenPom('services/api/pom.xml'); // true
 *   isMavenPom('services/api/build.gradle'); // false
 */
export function isMavenPom(path: string): boolean {
  return path === 'pom.xml' || path.endsWith('/pom.xml');
}

/**
 * The pom.xml extractor; see the module comment.
 *
 * @example
 *   mavenPomExtractor.fileRequired('pom.xml'); // true
 */
export const mavenPomExtractor: Extractor<Promise<ExtractResult>> = {
  name: 'maven-pom',
  maxFileSize: MAVEN_POM_MAX_FILE_SIZE,
  fileRequired: isMavenPom,
  extract: extractPom,
};

interface Dependency {
  groupId: string | undefined;
  artifactId: string | undefined;
  version: string | undefined;
  scope: string | undefined;
  optional: boolean;
}

interface Pom {
  dependencies: Dependency[];
  managed: Dependency[];
  properties: Map<string, string>;
  parent: string | undefined;
}

async function extractPom({ path, contents }: ExtractInput): Promise<ExtractResult> {
  const project = await parseProject(path, contents);
  const warnings: string[] = [];
  const pom = readPom(project);
  const resolve = interpolator(pom.properties);
  const managed = new Map<string, string>();
  for (const dep of pom.managed) {
    const g = resolve(dep.groupId);
    const a = resolve(dep.artifactId);
    // BOM imports (scope import) name other poms; their contents are not in this file.
    if (g.value === undefined || a.value === undefined || dep.version === undefined || dep.scope === 'import') continue;
    const key = `${g.value}:${a.value}`;
    if (!managed.has(key)) managed.set(key, dep.version);
  }
  const byName = new Map<string, ExtractedPackage>();
  for (const dep of pom.dependencies) {
    const pkg = resolveDependency(dep, resolve, managed, pom.parent, warnings);
    if (pkg === undefined || byName.has(pkg.name)) continue;
    const out: ExtractedPackage = { type: 'maven', name: pkg.name, version: pkg.version, sourceFile: path, evidence: 'lockfile' };
    if (dep.scope === 'test') out.dev = true;
    if (dep.optional) out.optional = true;
    byName.set(pkg.name, out);
  }
  const result: ExtractResult = { packages: [...byName.values()] };
  if (warnings.length > 0) result.warnings = prefixAndCapWarnings(path, warnings);
  return result;
}

function resolveDependency(
  dep: Dependency,
  resolve: (value: string | undefined) => Resolved,
  managed: Map<string, string>,
  parent: string | undefined,
  warnings: string[],
): { name: string; version: string } | undefined {
  const g = resolve(dep.groupId);
  const a = resolve(dep.artifactId);
  const label = `${dep.groupId ?? '?'}:${dep.artifactId ?? '?'}`;
  if (g.value === undefined || a.value === undefined || g.value === '' || a.value === '') {
    warnings.push(`dependency ${label}: ${g.missing ?? a.missing ?? 'no groupId or artifactId'}; skipped`);
    return undefined;
  }
  const name = `${g.value}:${a.value}`;
  const declared = dep.version ?? managed.get(name);
  if (declared === undefined) {
    const where = parent === undefined ? 'neither declared nor managed in this file' : `not in this file (managed by the parent ${parent} or a BOM?)`;
    warnings.push(`dependency ${name}: version ${where}; skipped`);
    return undefined;
  }
  const v = resolve(declared);
  if (v.value === undefined) {
    warnings.push(`dependency ${name}: version ${declared.slice(0, 80)}: ${v.missing ?? 'unresolvable'}; skipped`);
    return undefined;
  }
  const version = lowerBound(v.value);
  if (version === '') {
    warnings.push(`dependency ${name}: version "${v.value.slice(0, 80)}" names no version; skipped`);
    return undefined;
  }
  return { name, version };
}

/** `[1.0,2.0)` → `1.0`; `[1.2.3]` → `1.2.3`; `1.2.3` → itself; `(,1.0]` → ''. */
function lowerBound(requirement: string): string {
  const trimmed = requirement.trim();
  if (!trimmed.startsWith('[') && !trimmed.startsWith('(')) return trimmed;
  const end = trimmed.search(/[,\])]/);
  return (end === -1 ? trimmed.slice(1) : trimmed.slice(1, end)).trim();
}

interface Resolved {
  value: string | undefined;
  /** Why `value` is undefined: the first property that could not be resolved. */
  missing?: string;
}

/** `${name}` substitution against the collected properties, recursive, cycle-safe. */
function interpolator(properties: Map<string, string>): (value: string | undefined) => Resolved {
  const expand = (value: string, depth: number, stack: string[]): Resolved => {
    let missing: string | undefined;
    const out = value.replace(/\$\{([^}]*)\}/g, (whole, key: string) => {
      if (missing !== undefined) return whole;
      const raw = properties.get(key);
      if (raw === undefined) {
        missing = `property \${${key.slice(0, 60)}} is not defined in this file`;
        return whole;
      }
      if (stack.includes(key) || depth >= MAX_INTERPOLATION_DEPTH) {
        missing = `property \${${key.slice(0, 60)}} refers to itself`;
        return whole;
      }
      const inner = expand(raw, depth + 1, [...stack, key]);
      if (inner.value === undefined) {
        missing = inner.missing;
        return whole;
      }
      return inner.value;
    });
    return missing === undefined ? { value: out } : { value: undefined, missing };
  };
  return (value) => (value === undefined ? { value: undefined } : expand(value, 0, []));
}

/** Collects what resolution needs from the project element and its default-active profiles. */
function readPom(project: XmlNode): Pom {
  const parent = child(project, 'parent');
  const parentG = text(parent?.['groupId']);
  const parentA = text(parent?.['artifactId']);
  const parentV = text(parent?.['version']);
  const groupId = text(project['groupId']) ?? parentG;
  const version = text(project['version']) ?? parentV;
  const artifactId = text(project['artifactId']);
  const properties = new Map<string, string>();
  const builtins: Array<[string[], string | undefined]> = [
    [['project.groupId', 'pom.groupId', 'groupId'], groupId],
    [['project.artifactId', 'pom.artifactId', 'artifactId'], artifactId],
    [['project.version', 'pom.version', 'version'], version],
    [['project.parent.groupId', 'parent.groupId'], parentG],
    [['project.parent.artifactId', 'parent.artifactId'], parentA],
    [['project.parent.version', 'parent.version'], parentV],
  ];
  for (const [keys, value] of builtins) if (value !== undefined) for (const key of keys) properties.set(key, value);
  const scopes = [project, ...list(child(project, 'profiles')?.['profile']).filter(isActiveByDefault)];
  const dependencies: Dependency[] = [];
  const managed: Dependency[] = [];
  for (const scope of scopes) {
    for (const [key, value] of Object.entries(child(scope, 'properties') ?? {})) {
      const v = text(value);
      if (v !== undefined) properties.set(key, v);
    }
    dependencies.push(...list(child(scope, 'dependencies')?.['dependency']).map(readDependency));
    managed.push(...list(child(child(scope, 'dependencyManagement'), 'dependencies')?.['dependency']).map(readDependency));
  }
  const parentName = parentG !== undefined && parentA !== undefined ? `${parentG}:${parentA}${parentV === undefined ? '' : `:${parentV}`}` : undefined;
  return { dependencies, managed, properties, parent: parentName };
}

function isActiveByDefault(profile: XmlNode): boolean {
  return text(child(profile, 'activation')?.['activeByDefault']) === 'true';
}

function readDependency(node: XmlNode): Dependency {
  return {
    groupId: text(node['groupId']),
    artifactId: text(node['artifactId']),
    version: text(node['version']),
    scope: text(node['scope']),
    optional: text(node['optional']) === 'true',
  };
}

async function parseProject(path: string, contents: Uint8Array): Promise<XmlNode> {
  const read = await parseXml(path, contents);
  switch (read.$case) {
    case 'invalid':
      throw new StellaError(MANIFEST_INVALID, `${path}: ${read.reason}`);
    case 'ok': {
      const project = read.document['project'];
      if (project === undefined) throw new StellaError(MANIFEST_INVALID, `${path}: not a Maven pom (no <project> root element)`);
      // `<project/>` parses as '', a project with only text as that text: neither declares anything.
      return isNode(project) ? project : {};
    }
    default:
      throw new StellaError('INTERNAL', `${path}: unexpected XML outcome`);
  }
}

