/**
 * The `requirements-txt` extractor: packages pinned in pip requirements files.
 *
 * Files: `requirements.txt` and its variants (`requirements-dev.txt`,
 * `test_requirements.txt`, any `.txt` in a `requirements/` folder), outside
 * installed-package trees, where packages ship their own.
 *
 * Only a pin says what gets installed, so only `name==version` and
 * `name===version` are packages; ranges (`>=`, `~=`), wildcards (`==2.*`),
 * bare names, URLs and paths say nothing about the version and are skipped
 * quietly. pip's line rules are followed: `\` continues a line, `#` after
 * whitespace starts a comment, option lines (`-r`, `-c`, `-e`, `--index-url`)
 * are skipped, per-requirement options (`--hash=…`, `-C …`) and environment
 * markers (`; python_version < "3.8"`) are dropped, and extras
 * (`name[extra]==1.0`) do not change the package. Included files (`-r`)
 * are not followed: each is a file of its own in the target. The name is
 * kept as written (`Mopidy-Dirble`); purls normalise it.
 *
 * A line that cannot be a requirement (`asdf==`, `==1.0`, an unexpanded
 * `${VAR}`) is a warning and the rest of the file is read.
 *
 * @example
 *   requirementsExtractor.extract({ path: 'requirements.txt', contents: new TextEncoder().encode('Django==4.2.0\nrequests>=2\n') }).packages;
 *   // [{ type: 'pypi', name: 'Django', version: '4.2.0', sourceFile: 'requirements.txt', evidence: 'lockfile' }]
 */
import type { ExtractInput, ExtractResult, Extractor } from '../extractor.js';
import { Collected, decodeText, isProjectFile, withWarnings } from './common.js';
import { basename } from '../path-name.js';

/**
 * Generated requirements files with hashes reach a few MiB; 32 MiB is far beyond any real one.
 *
 * @example
 *   requirementsExtractor.maxFileSize === REQUIREMENTS_MAX_FILE_SIZE; // true
 */
export const REQUIREMENTS_MAX_FILE_SIZE = 32 * 1024 * 1024;

/** PEP 508 name, then optional extras, then the version part. */
const REQUIREMENT = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(.*)$/s;
const CLAUSE = /^(===|==|!=|~=|<=|>=|<|>)\s*(\S+)$/;
/** PEP 440 versions (and the legacy ones pip still accepts) use only these characters. */
const VERSION = /^[A-Za-z0-9._+!-]+$/;

/**
 * True for pip requirements files outside installed-package trees.
 *
 * @example
 *   isRequirementsFile('app/requirements-dev.txt'); // true
 *   isRequirementsFile('app/requirements/base.txt'); // true
 *   isRequirementsFile('app/requirements.md');       // false
 */
export function isRequirementsFile(path: string): boolean {
  const name = basename(path).toLowerCase();
  if (!name.endsWith('.txt')) return false;
  const parent = basename(path.slice(0, Math.max(0, path.length - name.length - 1))).toLowerCase();
  return (name.includes('requirements') || parent === 'requirements') && isProjectFile(path);
}

/**
 * The requirements file extractor; see the module comment.
 *
 * @example
 *   requirementsExtractor.fileRequired('requirements.txt'); // true
 */
export const requirementsExtractor: Extractor = {
  name: 'requirements-txt',
  maxFileSize: REQUIREMENTS_MAX_FILE_SIZE,
  fileRequired: isRequirementsFile,
  extract: extractRequirements,
};

/** One requirement line after `\` continuations are joined, with the number of its first physical line. */
interface LogicalLine {
  text: string;
  line: number;
}

type Outcome = { kind: 'pin'; name: string; version: string } | { kind: 'skip' } | { kind: 'warning'; message: string };

function extractRequirements({ path, contents }: ExtractInput): ExtractResult {
  const text = decodeText(path, contents, 'a requirements file');
  const found = new Collected(path, 'lockfile');
  const warnings: string[] = [];
  for (const { text: line, line: number } of logicalLines(text)) {
    const outcome = readLine(line);
    if (outcome.kind === 'pin') found.add(outcome.name, outcome.version, {});
    else if (outcome.kind === 'warning') warnings.push(`line ${number}: ${outcome.message}`);
  }
  return withWarnings(path, found.packages(), warnings);
}

/** pip's preprocessing: join `\` continuations (a comment line ends one), then drop comments. */
function logicalLines(text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  const physical = text.split('\n');
  let parts: string[] = [];
  let start = 0;
  for (let i = 0; i < physical.length; i++) {
    const raw = (physical[i] ?? '').replace(/\r$/, '');
    if (parts.length === 0) start = i + 1;
    const isComment = /^\s*#/.test(raw);
    if (raw.endsWith('\\') && !isComment) {
      parts.push(raw.slice(0, -1));
      continue;
    }
    if (!isComment) parts.push(raw);
    out.push({ text: parts.join(' '), line: start });
    parts = [];
  }
  // A file ending in `\` continues into nothing: pip reads what came before it.
  if (parts.length > 0) out.push({ text: parts.join(' '), line: start });
  return out.map(({ text: line, line: number }) => ({ text: line.replace(/(^|\s)#.*$/, '').trim(), line: number }));
}

function readLine(line: string): Outcome {
  // Empty, or an option line: -r/-c includes, -e editables, --index-url and the like.
  if (line === '' || line.startsWith('-')) return { kind: 'skip' };
  const requirement = stripOptionsAndMarker(line);
  // Paths and URLs install whatever they point at; there is no version to read.
  if (/^[./~]/.test(requirement) || requirement.includes('://')) return { kind: 'skip' };
  const match = REQUIREMENT.exec(requirement);
  if (match === null) return { kind: 'warning', message: `not a requirement: ${quote(requirement)}; skipped` };
  const name = match[1] ?? '';
  let rest = (match[2] ?? '').trim();
  if (rest === '' || rest.startsWith('@')) return { kind: 'skip' };
  if (rest.startsWith('(') && rest.endsWith(')')) rest = rest.slice(1, -1).trim();
  return readSpecifiers(name, rest);
}

/** pip cuts a line at its first option (`--hash=…`, `-C x`); PEP 508 puts markers after `;`. */
function stripOptionsAndMarker(line: string): string {
  const tokens = line.split(/\s+/);
  const firstOption = tokens.findIndex((token) => token.startsWith('-'));
  const requirement = (firstOption === -1 ? tokens : tokens.slice(0, firstOption)).join(' ');
  const semicolon = requirement.indexOf(';');
  return (semicolon === -1 ? requirement : requirement.slice(0, semicolon)).trim();
}

/** `==1.0`, `>=1, ==1.5`: the exact clause, if any, is the version. */
function readSpecifiers(name: string, specifiers: string): Outcome {
  let pinned: string | undefined;
  for (const clause of specifiers.split(',').map((c) => c.trim())) {
    if (clause.includes('${')) return { kind: 'warning', message: `${name}: version ${quote(clause)} uses an environment variable; skipped` };
    const match = CLAUSE.exec(clause);
    if (match === null) return { kind: 'warning', message: `${name}: unreadable version specifier ${quote(clause)}; skipped` };
    const [, operator, version = ''] = match;
    if (operator === '===') pinned = version;
    else if (operator === '==' && !version.includes('*')) {
      if (!VERSION.test(version)) return { kind: 'warning', message: `${name}: invalid version ${quote(version)}; skipped` };
      pinned = version;
    }
  }
  return pinned === undefined ? { kind: 'skip' } : { kind: 'pin', name, version: pinned };
}

/** Quoted and shortened: warnings stay one readable line whatever the input. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
