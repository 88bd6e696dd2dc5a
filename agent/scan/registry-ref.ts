/**
 * Telling a registry reference (`alpine:3.19`, `ghcr.io/org/app@sha256:…`)
 * from a path that does not exist, so `stella scan alpine:3.19` says what
 * to do instead of "no such file". Pulls need the explicit
 * `registry://HOST/REPO:TAG` form (agent/registry): a bare reference never
 * guesses a registry host.
 *
 * @example
 *   looksLikeRegistryReference('alpine:3.19')   // true
 *   looksLikeRegistryReference('./alpine.tar')  // false
 */
import { StellaError } from '../../core/errors.js';

const SCHEME = /^(?:docker|oci|registry):\/\//;
// Docker's reference grammar: [domain[:port]/]name-component(/name-component)*[:tag][@algorithm:digest].
const DOMAIN = String.raw`(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d+)?/)`;
const COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const REFERENCE = new RegExp(String.raw`^${DOMAIN}?${COMPONENT}(?:/${COMPONENT})*(:[\w][\w.-]{0,127})?(@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,})?$`);

/**
 * True when `input` reads as an image reference with a tag, a digest or a
 * scheme. A bare name (`alpine`) is as likely a mistyped path, so it is not.
 * @example looksLikeRegistryReference('docker.io/library/alpine:3.19') // true
 */
export function looksLikeRegistryReference(input: string): boolean {
  if (SCHEME.test(input)) return true;
  const match = REFERENCE.exec(input);
  return match !== null && (match[1] !== undefined || match[2] !== undefined);
}

/**
 * The error for a bare registry reference given as a scan target: the
 * `registry://` form that pulls it, and the commands that make it a tar.
 * @example throw registryReferenceError('alpine:3.19');
 */
export function registryReferenceError(input: string): StellaError {
  const ref = input.replace(SCHEME, '');
  const file = `${(ref.split('/').pop() ?? 'image').replace(/[:@].*$/, '') || 'image'}.tar`;
  const host = /^[^/]*[.:][^/]*\//.test(ref) || ref.startsWith('localhost/') ? ref : `HOST/${ref}`;
  return new StellaError(
    'UNSUPPORTED_TARGET',
    `${input}: looks like a registry reference; pull it with \`stella scan registry://${host}\` (the registry host is never guessed), or ` +
      `save the image to a tar first (\`docker save ${ref} -o ${file}\` or \`skopeo copy docker://${ref} docker-archive:${file}\`), then \`stella scan ${file}\``,
  );
}
