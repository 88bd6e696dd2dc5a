/**
 * The go.mod grammar, read line by line: `verb args` or `verb (` … `)`
 * blocks, `//` comments, quoted (`"…"`, `` `…` ``) paths, `=>` in replaces.
 * Directives that do not change what is built (`module`, `exclude`,
 * `retract`, `godebug`, `tool`, `ignore`) are accepted and dropped.
 *
 * @example
 *   const read = parseModFile(text);
 *   if (read.$case === 'ok') read.file.requires;
 */

/**
 * A module path and version (without its `v`); version '' for a local directory.
 *
 * @example
 *   const m: GoModule = { path: 'golang.org/x/net', version: '0.5.6' };
 */
export interface GoModule {
  path: string;
  version: string;
}

/**
 * One `replace` directive; `old.version` '' replaces every version.
 *
 * @example
 *   const r: GoReplace = { old: { path: 'golang.org/x/net', version: '' }, target: { path: './fork/net', version: '' } };
 */
export interface GoReplace {
  old: GoModule;
  /** `version` is '' for a local directory. */
  target: GoModule;
}

/**
 * What a go.mod says that matters for the packages it builds.
 *
 * @example
 *   const file: GoModFile = { requires: [], replaces: [], goVersion: '1.22', toolchain: 'go1.22.3' };
 */
export interface GoModFile {
  requires: GoModule[];
  replaces: GoReplace[];
  goVersion: string | undefined;
  toolchain: string | undefined;
}

/**
 * A parsed go.mod with its warnings, or why the text is not one.
 *
 * @example
 *   const read: ModFileRead = parseModFile('this is not a go.mod file!'); // { $case: 'invalid', reason: 'line 1: unknown directive "this"' }
 */
export type ModFileRead = { $case: 'ok'; file: GoModFile; warnings: string[] } | { $case: 'invalid'; reason: string };

/** Directives that are valid in a go.mod but do not add packages. */
const IGNORED_VERBS = new Set(['module', 'exclude', 'retract', 'godebug', 'tool', 'ignore']);
const KNOWN_VERBS = new Set([...IGNORED_VERBS, 'go', 'toolchain', 'require', 'replace']);

/**
 * Parses go.mod text. Lines that break the grammar are warnings (without a
 * file name: the caller adds it); a text with no known directive but some
 * unknown one is not a go.mod at all.
 *
 * @example
 *   parseModFile('module m\ngo 1.22\nrequire example.com/a v1.0.0\n');
 *   // { $case: 'ok', file: { requires: [{ path: 'example.com/a', version: '1.0.0' }], replaces: [], goVersion: '1.22', … }, warnings: [] }
 */
export function parseModFile(text: string): ModFileRead {
  const warnings: string[] = [];
  const mod: GoModFile = { requires: [], replaces: [], goVersion: undefined, toolchain: undefined };
  let known = 0;
  let unknown: string | undefined;
  let block: string | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const tokens = tokenize(lines[i] ?? '');
    if (tokens.length === 0) continue;
    if (block !== undefined) {
      if (tokens.length === 1 && tokens[0] === ')') {
        block = undefined;
        continue;
      }
      directive(block, tokens, lineNo);
      continue;
    }
    const [verb, ...args] = tokens;
    if (verb === undefined) continue;
    if (!KNOWN_VERBS.has(verb)) {
      unknown ??= `line ${lineNo}: unknown directive "${verb.slice(0, 40)}"`;
      warnings.push(`line ${lineNo}: unknown directive "${verb.slice(0, 40)}"; skipped`);
      continue;
    }
    known++;
    if (args[0] === '(') {
      // `require (` opens a block; `require ()` is an empty one.
      if (args.length === 1) block = verb;
      else if (!(args.length === 2 && args[1] === ')')) warnings.push(`line ${lineNo}: unexpected text after "${verb} ("; skipped`);
      continue;
    }
    directive(verb, args, lineNo);
  }
  if (known === 0 && unknown !== undefined) return { $case: 'invalid', reason: unknown };
  if (block !== undefined) warnings.push(`"${block} (" block is not closed`);
  return { $case: 'ok', file: mod, warnings };

  function directive(verb: string, args: string[], lineNo: number): void {
    switch (verb) {
      case 'go':
        if (args.length === 1) mod.goVersion = args[0];
        else warnings.push(`line ${lineNo}: "go" expects one version; skipped`);
        return;
      case 'toolchain':
        if (args.length === 1) mod.toolchain = args[0];
        else warnings.push(`line ${lineNo}: "toolchain" expects one name; skipped`);
        return;
      case 'require': {
        const [modPath, version] = args;
        if (args.length !== 2 || modPath === undefined || version === undefined) {
          warnings.push(`line ${lineNo}: "require" expects a module path and a version; skipped`);
          return;
        }
        // `// indirect` (a comment, dropped by tokenize) only says why the requirement is there; the module is built either way.
        mod.requires.push({ path: modPath, version: stripV(version) });
        return;
      }
      case 'replace': {
        const replace = parseReplace(args);
        if (replace === undefined) warnings.push(`line ${lineNo}: "replace" expects "old [version] => new [version]"; skipped`);
        else mod.replaces.push(replace);
        return;
      }
      default:
        // module, exclude, retract, godebug, tool, ignore: valid, nothing to report.
        return;
    }
  }
}

function parseReplace(args: string[]): GoReplace | undefined {
  const arrow = args.indexOf('=>');
  if (arrow < 1 || arrow > 2) return undefined;
  const [oldPath, oldVersion = ''] = args.slice(0, arrow);
  const [newPath, newVersion = ''] = args.slice(arrow + 1);
  if (oldPath === undefined || newPath === undefined || args.length - arrow - 1 > 2) return undefined;
  // Go requires a version for a module path and forbids one for a directory.
  if (newVersion === '' && !isLocalPath(newPath)) return undefined;
  return { old: { path: oldPath, version: stripV(oldVersion) }, target: { path: newPath, version: stripV(newVersion) } };
}

/**
 * Go's test for a replacement that names a directory rather than a module.
 *
 * @example
 *   isLocalPath('./fork/net');       // true
 *   isLocalPath('example.com/fork'); // false
 */
export function isLocalPath(path: string): boolean {
  return path === '.' || path === '..' || path.startsWith('./') || path.startsWith('../') || path.startsWith('/') || /^[A-Za-z]:[\\/]|^\\/.test(path);
}

/**
 * A Go version without its `v`, as the peer and OSV's Go ecosystem spell it.
 *
 * @example
 *   stripV('v1.2.3'); // '1.2.3'
 */
export function stripV(version: string): string {
  return version.startsWith('v') ? version.slice(1) : version;
}

/** Splits one line into tokens (bare words, quoted strings, `(`, `)`, `=>`), dropping its `//` comment. */
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '/' && line[i + 1] === '/') {
      return tokens;
    } else if (c === '(' || c === ')') {
      tokens.push(c);
      i++;
    } else if (c === '=' && line[i + 1] === '>') {
      tokens.push('=>');
      i += 2;
    } else if (c === '"' || c === '`') {
      const end = closingQuote(line, i);
      tokens.push(unquote(line.slice(i + 1, end), c));
      i = end + 1;
    } else {
      let end = i;
      while (end < line.length && !' \t\r()"`'.includes(line[end] ?? ' ') && !(line[end] === '/' && line[end + 1] === '/') && !(line[end] === '=' && line[end + 1] === '>')) end++;
      tokens.push(line.slice(i, end));
      i = end;
    }
  }
  return tokens;
}

/** Index of the quote closing the string that opens at `start` (or the line end when unclosed). */
function closingQuote(line: string, start: number): number {
  const quote = line[start];
  for (let i = start + 1; i < line.length; i++) {
    if (quote === '"' && line[i] === '\\') i++;
    else if (line[i] === quote) return i;
  }
  return line.length;
}

/** Module paths and versions never need more than `\"` and `\\` unescaped. */
function unquote(body: string, quote: string): string {
  return quote === '"' ? body.replace(/\\(.)/g, '$1') : body;
}
