/**
 * `stella vex import FILE...`: VEX documents into `vex/` of the state
 * repository, each signed (`<file>.jws`) by this clone's key, in one commit
 * on main. Like policies, VEX decides what findings mean, so the key must
 * hold the trust root's `policies` role: the signature is checked against
 * the current root before anything is written, exactly as `stella verify`
 * and the scan will check it later.
 *
 * Every file is parsed first: one that is not valid VEX (unknown status,
 * missing timestamp, malformed JSON, unknown format) is refused with one
 * line naming it, and nothing is committed. The document is stored as the
 * author wrote it (its bytes are what is signed), under its base name.
 *
 * @example
 *   const { commit, files } = await importVex(repo, ['app.openvex.json'], { key });
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { describeError, StellaError } from '../../core/errors.js';
import { signDetachedJws } from '../../core/sign/jws.js';
import type { SigningKey } from '../../core/sign/keys.js';
import { currentTrustRoot } from '../../core/verify/trust-state.js';
import { SIGNATURE_SUFFIX, verifyRoleJws } from '../../core/verify/signed-files.js';
import { defaultVexFormats } from '../../core/vex/registry.js';
import { AGENT_IDENTITY, MAIN_BRANCH, type StateRepo } from '../repo/state-repo.js';
import { syncWorktree } from '../repo/worktree.js';
import { VEX_FOLDER } from './documents.js';

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const MAX_VEX_BYTES = Math.max(...defaultVexFormats.formats.map((f) => f.maxSourceBytes));

/** One imported document. */
export interface ImportedVex {
  /** Its path in the state repository: `vex/<base name>`. */
  path: string;
  format: string;
  statements: number;
  /** False when the same bytes were already there, validly signed. */
  changed: boolean;
}

/** What `importVex` did. */
export interface VexImport {
  files: ImportedVex[];
  /** The commit on main, or undefined when nothing changed. */
  commit: string | undefined;
}

/**
 * Checks, signs and commits the documents (see the module comment).
 * @example await importVex(repo, ['a.openvex.json', 'b.cdx.json'], { key, now: new Date() });
 */
export async function importVex(repo: StateRepo, paths: readonly string[], options: { key: SigningKey; now?: Date }): Promise<VexImport> {
  const parent = await repo.store.branchTip(MAIN_BRANCH);
  if (parent === undefined) throw new StellaError('REPO_INVALID', `${repo.dir}: no ${MAIN_BRANCH} branch`);
  const documents = await readDocuments(paths);
  const root = await currentTrustRoot(repo.store, MAIN_BRANCH, options.now === undefined ? {} : { now: options.now });
  const changes = new Map<string, Uint8Array>();
  const files: ImportedVex[] = [];
  for (const document of documents) {
    const existing = await repo.store.readFile(parent, document.path);
    const existingJws = await repo.store.readFile(parent, `${document.path}${SIGNATURE_SUFFIX}`);
    const unchanged = existing !== undefined && existingJws !== undefined && sameBytes(existing, document.bytes) && (await verifies(new TextDecoder().decode(existingJws), document.bytes, root));
    files.push({ path: document.path, format: document.format, statements: document.statements, changed: !unchanged });
    if (unchanged) continue;
    const jws = await signDetachedJws(document.bytes, options.key);
    try {
      await verifyRoleJws(jws, document.bytes, root, 'policies');
    } catch (error) {
      throw new StellaError('SIGNATURE_INVALID', `${document.source}: cannot be signed for ${VEX_FOLDER}/: ${describeError(error)}; nothing committed`, { cause: error });
    }
    changes.set(document.path, document.bytes);
    changes.set(`${document.path}${SIGNATURE_SUFFIX}`, new TextEncoder().encode(`${jws}\n`));
  }
  if (changes.size === 0) return { files, commit: undefined };
  const changed = files.filter((f) => f.changed);
  const result = await repo.store.commit({
    branch: MAIN_BRANCH,
    parent,
    changes,
    message:
      `vex: import ${changed.map((f) => f.path).join(', ')}\n\n` +
      changed.map((f) => `${f.path}: ${f.format}, ${f.statements} statement${f.statements === 1 ? '' : 's'}, signed by key ${options.key.keyId.slice(0, 12)}.`).join('\n') +
      '\n',
    author: AGENT_IDENTITY,
  });
  if (result.committed) await syncWorktree(repo, MAIN_BRANCH, parent, changes);
  return { files, commit: result.committed ? result.oid : undefined };
}

interface ReadDocument {
  source: string;
  path: string;
  bytes: Uint8Array;
  format: string;
  statements: number;
}

/** Reads and parses every file before anything is signed; refuses unsafe or clashing names. */
async function readDocuments(paths: readonly string[]): Promise<ReadDocument[]> {
  if (paths.length === 0) throw new StellaError('USAGE', 'name at least one VEX file to import');
  const seen = new Map<string, string>();
  const out: ReadDocument[] = [];
  for (const source of paths) {
    const name = basename(source);
    if (!SAFE_NAME.test(name) || name.endsWith(SIGNATURE_SUFFIX) || name === 'README.md') {
      throw new StellaError('USAGE', `${source}: "${name}" cannot be a file name in ${VEX_FOLDER}/ (letters, digits, '.', '_', '-'; not README.md, not *${SIGNATURE_SUFFIX}); rename it`);
    }
    const clash = seen.get(name);
    if (clash !== undefined) throw new StellaError('USAGE', `${source} and ${clash} would both be ${VEX_FOLDER}/${name}; rename one`);
    seen.set(name, source);
    const info = await stat(source).catch((cause: NodeJS.ErrnoException) => {
      throw new StellaError('USAGE', `${source}: cannot read it (${cause.code ?? String(cause)})`, { cause });
    });
    if (!info.isFile()) throw new StellaError('USAGE', `${source}: not a file`);
    if (info.size > MAX_VEX_BYTES) throw new StellaError('LIMIT_EXCEEDED', `${source}: ${info.size} bytes is over the ${MAX_VEX_BYTES}-byte VEX limit`);
    const bytes = new Uint8Array(await readFile(source));
    const document = defaultVexFormats.read({ name: source, bytes });
    out.push({ source, path: `${VEX_FOLDER}/${name}`, bytes, format: document.format, statements: document.statements.length });
  }
  return out;
}

async function verifies(jws: string, bytes: Uint8Array, root: Parameters<typeof verifyRoleJws>[2]): Promise<boolean> {
  try {
    await verifyRoleJws(jws, bytes, root, 'policies');
    return true;
  } catch {
    return false;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
