/**
 * Where VEX comes from at scan time: the signed documents under `vex/` on
 * the state repository's main branch, and files named with `--vex`. Both
 * are read whole and parsed before anything is matched, so a broken or
 * unsigned document stops the scan with one line naming it, and nothing is
 * committed.
 *
 * A document in `vex/` is used only when its `<file>.jws` holds valid
 * signatures by the trust root's `policies` role, as `stella verify`
 * checks it: a file edited after it was signed is refused, not applied.
 *
 * @example
 *   const documents = [...(await repoVexDocuments(repo.store, commit)), ...(await fileVexDocuments(['extra.openvex.json']))];
 */
import { readFile, stat } from 'node:fs/promises';
import { StellaError, describeError } from '../../core/errors.js';
import type { GitStore } from '../../core/git/git-store.js';
import { defaultVexFormats } from '../../core/vex/registry.js';
import type { VexDocument } from '../../core/vex/statement.js';
import { currentTrustRoot } from '../../core/verify/trust-state.js';
import { SIGNATURE_SUFFIX, signingRole, verifyRoleJws } from '../../core/verify/signed-files.js';
import { MAIN_BRANCH } from '../repo/state-repo.js';

/** The folder of the state repository that holds VEX documents. */
export const VEX_FOLDER = 'vex';

/** The largest VEX document any format accepts: bigger files are refused before they are read. */
const MAX_VEX_BYTES = Math.max(...defaultVexFormats.formats.map((f) => f.maxSourceBytes));

/**
 * Reads and parses each `--vex` file; the first unreadable or invalid one
 * throws (USAGE, or the parser's VEX_INVALID / JSON_INVALID) naming it.
 *
 * @example await fileVexDocuments(['app.openvex.json']);
 */
export async function fileVexDocuments(paths: readonly string[]): Promise<VexDocument[]> {
  const out: VexDocument[] = [];
  for (const path of paths) {
    const info = await stat(path).catch((cause: NodeJS.ErrnoException) => {
      throw new StellaError('USAGE', `--vex ${path}: cannot read it (${cause.code ?? String(cause)})`, { cause });
    });
    if (!info.isFile()) throw new StellaError('USAGE', `--vex ${path}: not a file`);
    if (info.size > MAX_VEX_BYTES) throw new StellaError('LIMIT_EXCEEDED', `${path}: ${info.size} bytes is over the ${MAX_VEX_BYTES}-byte VEX limit`);
    out.push(defaultVexFormats.read({ name: path, bytes: await readFile(path) }));
  }
  return out;
}

/**
 * The VEX documents under `vex/` at `commit`, each checked against its
 * signature by the `policies` role of main's current trust root. No
 * documents (only README.md) costs no trust-root walk.
 *
 * @example await repoVexDocuments(repo.store, mainTip);
 */
export async function repoVexDocuments(store: GitStore, commit: string, options: { now?: Date } = {}): Promise<VexDocument[]> {
  const files = await store.walkFiles(commit, VEX_FOLDER);
  const oids = new Map(files.map((f) => [f.path, f.oid]));
  const documents = files.filter((f) => !f.path.endsWith(SIGNATURE_SUFFIX) && signingRole(f.path) === 'policies');
  if (documents.length === 0) return [];
  const root = await currentTrustRoot(store, MAIN_BRANCH, options);
  const out: VexDocument[] = [];
  for (const file of documents) {
    const jwsOid = oids.get(`${file.path}${SIGNATURE_SUFFIX}`);
    if (jwsOid === undefined) throw new StellaError('SIGNATURE_INVALID', `${file.path}: unsigned (no ${file.path.split('/').at(-1) ?? ''}${SIGNATURE_SUFFIX}); add VEX with \`stella vex import\``);
    const bytes = await store.readBlob(file.oid);
    try {
      await verifyRoleJws(new TextDecoder().decode(await store.readBlob(jwsOid)), bytes, root, 'policies');
    } catch (error) {
      throw new StellaError('SIGNATURE_INVALID', `${file.path}: ${describeError(error)}; the document is not applied`, { cause: error });
    }
    out.push(defaultVexFormats.read({ name: file.path, bytes }));
  }
  return out;
}
