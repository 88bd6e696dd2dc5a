/**
 * Reading a YAML policy or exception document strictly: one field reader
 * that refuses unknown fields and wrong types, and names the file and the
 * field in a one-line POLICY_INVALID error (`policies/gate.yaml:
 * rules[2].when.purl[0]: …`). Shared by the built-in policy and the
 * exception parsers so both speak the same way.
 *
 * @example
 *   const doc = parsePolicyYaml(bytes, 'policies/gate.yaml');
 *   const fields = new Fields(doc.file);
 *   const top = fields.object(doc.value, '', ['schema', 'rules']);
 */
import { parseDocument } from 'yaml';
import { StellaError } from '../errors.js';
import { compileGlob, globProblem, type Glob, type GlobKind } from './glob.js';

/** Largest policy or exception file read: far above any real one, small enough to parse at once. */
export const MAX_POLICY_BYTES = 1 << 20;

/** A parsed YAML document and the file it came from. */
export interface YamlDoc {
  file: string;
  value: unknown;
}

/**
 * Parses one YAML document (duplicate keys, aliases and anything but plain
 * data refused).
 * @example parsePolicyYaml(new TextEncoder().encode('schema: stella.policy/v1'), 'x.yaml');
 */
export function parsePolicyYaml(bytes: Uint8Array, file: string): YamlDoc {
  if (bytes.length > MAX_POLICY_BYTES) throw new StellaError('LIMIT_EXCEEDED', `${file}: ${bytes.length} bytes is over the ${MAX_POLICY_BYTES}-byte limit for a policy or exception file`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new StellaError('POLICY_INVALID', `${file}: not UTF-8 text`);
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const error = doc.errors[0];
  if (error !== undefined) throw new StellaError('POLICY_INVALID', `${file}: not valid YAML (${error.message.split('\n')[0] ?? ''})`);
  // Aliases could expand into huge documents and nobody writes them in a policy.
  return { file, value: doc.toJS({ maxAliasCount: 0 }) as unknown };
}

/** Field readers that fail with `file: path: problem`. */
export class Fields {
  constructor(readonly file: string) {}

  /** Throws the one-line error for the field at `path`. */
  fail(path: string, problem: string): never {
    throw new StellaError('POLICY_INVALID', `${this.file}: ${path === '' ? '' : `${path}: `}${problem}`);
  }

  /** A mapping whose keys are all in `allowed`. */
  object(value: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, 'must be a mapping');
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key)) this.fail(path, `unknown field '${key}' (allowed: ${allowed.join(', ')})`);
    }
    return record;
  }

  /** The value of `key`, which must be present and not null. */
  required(record: Record<string, unknown>, key: string, path: string): unknown {
    const value = record[key];
    if (value === undefined || value === null) this.fail(path, `'${key}' is required`);
    return value;
  }

  /** A non-empty string. */
  string(value: unknown, path: string): string {
    if (typeof value !== 'string' || value === '') this.fail(path, 'must be a non-empty string');
    return value;
  }

  /** A finite number within [min, max]. */
  number(value: unknown, path: string, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) this.fail(path, `must be a number from ${min} to ${max}`);
    return value;
  }

  /** true or false (YAML's `yes`/`no` are strings in YAML 1.2, and refused). */
  boolean(value: unknown, path: string): boolean {
    if (typeof value !== 'boolean') this.fail(path, 'must be true or false');
    return value;
  }

  /** One of `choices`. */
  choice<T extends string>(value: unknown, path: string, choices: readonly T[]): T {
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) this.fail(path, `must be one of ${choices.join(', ')}`);
    return value as T;
  }

  /** A non-empty list (a single value is read as a list of one). */
  list<T>(value: unknown, path: string, item: (value: unknown, path: string) => T): T[] {
    const items = Array.isArray(value) ? value : [value];
    if (items.length === 0) this.fail(path, 'must not be an empty list');
    return items.map((entry, i) => item(entry, Array.isArray(value) ? `${path}[${i}]` : path));
  }

  /** A non-empty sequence (no single-value shorthand: rules and exceptions are always lists). */
  sequence<T>(value: unknown, path: string, item: (value: unknown, path: string) => T): T[] {
    if (!Array.isArray(value)) this.fail(path, 'must be a list');
    return this.list(value, path, item);
  }

  /** A list of checked, compiled patterns. */
  globs(value: unknown, path: string, kind: GlobKind): Glob[] {
    return this.list(value, path, (entry, at) => {
      const pattern = this.string(entry, at);
      const problem = globProblem(pattern, kind);
      if (problem !== undefined) this.fail(at, `invalid pattern '${pattern}': ${problem}`);
      return compileGlob(pattern);
    });
  }
}
