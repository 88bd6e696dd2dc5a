/**
 * Reading refs and config the way most repositories hold them, without
 * the Git library: a branch as a loose ref file, `.git/config` as plain
 * `key = value` lines. Anything else (a packed or symbolic ref, quoting,
 * escapes, includes, the `core` section it types) answers "unsure", and the caller asks isomorphic-git,
 * so the answer never differs from the library's.
 *
 * @example
 *   const tip = await looseRef(fs, gitdir, 'refs/heads/main'); // oid, or undefined: ask the library
 *   const url = await plainConfig(fs, gitdir, 'remote.origin.url'); // { value } or 'unsure'
 */
import type { StoreFs } from './git-store.js';
import { storeFsOps } from './store-fs.js';

const OID = /^[0-9a-f]{40}$/;
const SECTION = /^\[([A-Za-z0-9.-]+)(?:\s+"([^"\\]*)")?\]$/;
const ENTRY = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*([^"\\#;]*)$/;

/** The oid in a loose ref file, or undefined (absent, packed, symbolic: the library resolves those). */
export async function looseRef(fs: StoreFs, gitdir: string, ref: string): Promise<string | undefined> {
  const text = await readText(fs, `${gitdir}/${ref}`);
  const oid = text?.trim();
  return oid !== undefined && OID.test(oid) ? oid : undefined;
}

/**
 * A config value (`section.key`, `section.sub.section.key`) from a plain
 * config file: the last one set, as git and the library answer; `value`
 * undefined when unset. 'unsure' when the file uses anything beyond plain lines.
 */
export async function plainConfig(fs: StoreFs, gitdir: string, path: string): Promise<{ value: string | undefined } | 'unsure'> {
  const parts = path.split('.');
  // The library types some `core.` values (booleans, numbers): those stay its answer.
  if (parts.length < 2 || (parts[0] as string).toLowerCase() === 'core') return 'unsure';
  const section = (parts[0] as string).toLowerCase();
  const name = (parts.at(-1) as string).toLowerCase();
  const subsection = parts.length > 2 ? parts.slice(1, -1).join('.') : undefined;
  const text = await readText(fs, `${gitdir}/config`);
  if (text === undefined) return { value: undefined };
  let value: string | undefined;
  let inSection = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = SECTION.exec(line);
    if (header !== null) {
      // `[a.b]` is an old spelling of a subsection: leave it to the library.
      if ((header[1] as string).includes('.')) return 'unsure';
      inSection = (header[1] as string).toLowerCase() === section && header[2] === subsection;
      continue;
    }
    const entry = ENTRY.exec(line);
    if (entry === null) return 'unsure';
    if (inSection && (entry[1] as string).toLowerCase() === name) value = (entry[2] as string).trim();
  }
  return { value };
}

async function readText(fs: StoreFs, path: string): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await storeFsOps(fs).readFile(path));
  } catch {
    return undefined;
  }
}
