/**
 * Exception files (`exceptions/*.yaml`, schema in
 * schemas/exception.schema.json): waivers, each with an owner, a reason, a
 * scope and a required expiry.
 *
 *     schema: stella.exceptions/v1
 *     exceptions:
 *       - id: lodash-prototype-pollution
 *         owner: web-team@example.com
 *         reason: only called with constant keys; upgrade planned in Q3
 *         expires: 2026-06-30            # through that day (UTC), or an RFC 3339 date-time
 *         scope:
 *           ids: [CVE-2020-8203]         # the finding's id or any alias, exactly
 *           purls: ['pkg:npm/lodash@*']  # purl patterns ('*' wildcards)
 *           targets: ['debian-node*']    # target name patterns
 *
 * A scope names ids or purls (or both); `targets` alone would waive every
 * finding of a target, so it is refused. Everything listed must match:
 * an id of the list AND a purl pattern of the list AND a target pattern.
 *
 * @example
 *   const exceptions = parseExceptionsFile(bytes, 'exceptions/web.yaml');
 */
import type { PolicyException } from '../engine.js';
import { parseExpiry } from '../dates.js';
import { Fields, parsePolicyYaml } from '../yaml-fields.js';

/** The `schema` value of an exception file. */
export const EXCEPTIONS_SCHEMA = 'stella.exceptions/v1';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** Every exception of one file, checked (throws POLICY_INVALID naming the file and field). */
export function parseExceptionsFile(bytes: Uint8Array, file: string): PolicyException[] {
  const doc = parsePolicyYaml(bytes, file);
  const fields = new Fields(file);
  const top = fields.object(doc.value, '', ['schema', 'exceptions']);
  if (fields.required(top, 'schema', '') !== EXCEPTIONS_SCHEMA) fields.fail('schema', `must be ${EXCEPTIONS_SCHEMA}`);
  const seen = new Set<string>();
  return fields.sequence(fields.required(top, 'exceptions', ''), 'exceptions', (value, path) => {
    const exception = readException(fields, value, path);
    if (seen.has(exception.ref)) fields.fail(`${path}.id`, `'${exception.ref.split('#')[1] ?? ''}' is used twice in this file`);
    seen.add(exception.ref);
    return exception;
  });
}

function readException(fields: Fields, value: unknown, path: string): PolicyException {
  const entry = fields.object(value, path, ['id', 'owner', 'reason', 'expires', 'scope']);
  const id = fields.string(fields.required(entry, 'id', path), `${path}.id`);
  if (!ID.test(id)) fields.fail(`${path}.id`, `'${id}' must be letters, digits, '.', '_', ':' or '-'`);
  const owner = fields.string(fields.required(entry, 'owner', path), `${path}.owner`);
  const reason = fields.string(fields.required(entry, 'reason', path), `${path}.reason`);
  if (entry['expires'] === undefined || entry['expires'] === null) fields.fail(path, "'expires' is required: every exception must end");
  const expiry = parseExpiry(fields.string(entry['expires'], `${path}.expires`));
  if ('problem' in expiry) fields.fail(`${path}.expires`, expiry.problem);
  const scope = fields.object(fields.required(entry, 'scope', path), `${path}.scope`, ['ids', 'purls', 'targets']);
  const ids = scope['ids'] === undefined ? [] : fields.list(scope['ids'], `${path}.scope.ids`, (v, at) => vulnerabilityId(fields, v, at));
  const purls = scope['purls'] === undefined ? [] : fields.globs(scope['purls'], `${path}.scope.purls`, 'purl').map((g) => g.pattern);
  const targets = scope['targets'] === undefined ? [] : fields.globs(scope['targets'], `${path}.scope.targets`, 'target').map((g) => g.pattern);
  if (ids.length === 0 && purls.length === 0) fields.fail(`${path}.scope`, 'must name ids or purls (a scope of targets alone would waive every finding)');
  return { ref: `${fields.file}#${id}`, owner, reason, ids, purls, targets, expires: expiry.at };
}

function vulnerabilityId(fields: Fields, value: unknown, path: string): string {
  const id = fields.string(value, path);
  if (!ID.test(id)) fields.fail(path, `'${id}' is not a vulnerability id (no wildcards: an exception names the flaws it waives)`);
  return id;
}
