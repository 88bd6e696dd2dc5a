/**
 * What `stella agent enroll` leaves behind: which edge this node enrolled
 * with, as which node, with which key (`$STELLA_HOME/edge.json`; the private
 * key itself stays in `$STELLA_HOME/keys/` like every node key).
 *
 * @example
 *   const enrollment = await readEdgeEnrollment(home); // undefined before `stella agent enroll`
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StellaError } from '../../core/errors.js';
import { writeFileAtomically } from '../fs/atomic-write.js';

/** The saved enrollment. */
export interface EdgeEnrollment {
  edge: string;
  node: string;
  /** The node key's id (file `$STELLA_HOME/keys/<keyId>.pem`). */
  keyId: string;
  enrolledAt: string;
}

/** Where the enrollment is saved. */
export function edgeEnrollmentFile(home: string): string {
  return join(home, 'edge.json');
}

/**
 * The saved enrollment, or undefined when this home never enrolled.
 * @example const saved = await readEdgeEnrollment(ctx.home());
 */
export async function readEdgeEnrollment(home: string): Promise<EdgeEnrollment | undefined> {
  const path = edgeEnrollmentFile(home);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<EdgeEnrollment>;
    if (typeof value.edge === 'string' && typeof value.node === 'string' && typeof value.keyId === 'string') {
      return { edge: value.edge, node: value.node, keyId: value.keyId, enrolledAt: String(value.enrolledAt ?? '') };
    }
  } catch {
    // Reported below with the file's path.
  }
  throw new StellaError('CONFIG_INVALID', `${path}: not an edge enrollment; run \`stella agent enroll\` again`);
}

/**
 * Saves the enrollment (atomically, mode 0600).
 * @example await writeEdgeEnrollment(home, { edge, node, keyId, enrolledAt })
 */
export async function writeEdgeEnrollment(home: string, enrollment: EdgeEnrollment): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  await writeFileAtomically(edgeEnrollmentFile(home), `${JSON.stringify(enrollment, null, 2)}\n`, { mode: 0o600 });
}
