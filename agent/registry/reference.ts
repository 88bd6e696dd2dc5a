/**
 * Registry references as scan targets: `registry://HOST[:PORT]/REPO:TAG`
 * or `registry://HOST[:PORT]/REPO@sha256:<hex>` (a tag with a digest: the
 * digest wins, the tag only names the image). The host is always explicit:
 * nothing is guessed (no implicit docker.io), so a typo never pulls from an
 * unintended registry.
 *
 * @example
 *   parseRegistryReference('registry://127.0.0.1:5000/stella/debian-node:1');
 *   // { host: '127.0.0.1:5000', hostname: '127.0.0.1', repository: 'stella/debian-node', reference: '1', tag: '1', digest: undefined, … }
 */
import { StellaError } from '../../core/errors.js';

/** A parsed registry reference. */
export interface RegistryReference {
  /** As given, for messages. */
  input: string;
  /** `host[:port]` as it goes into URLs. */
  host: string;
  /** The host name alone (an IPv6 address without brackets). */
  hostname: string;
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
  /** What to ask the manifests endpoint for: the digest when given, else the tag. */
  reference: string;
  /** `host/repo:tag` (or `@digest`): the image's name in reports. */
  name: string;
}

/** The scheme that marks a scan target as a registry image. */
export const REGISTRY_SCHEME = 'registry://';
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(?::(\d{1,5}))?$/;
const COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const REPOSITORY = new RegExp(String.raw`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** True when `target` uses the `registry://` scheme. */
export function isRegistryTarget(target: string): boolean {
  return target.startsWith(REGISTRY_SCHEME);
}

/** Parses `input` (see the module comment); USAGE errors say what part is wrong. */
export function parseRegistryReference(input: string): RegistryReference {
  if (!isRegistryTarget(input)) throw usage(input, `a registry target starts with ${REGISTRY_SCHEME}`);
  const rest = input.slice(REGISTRY_SCHEME.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) throw usage(input, 'expected registry://HOST[:PORT]/REPOSITORY:TAG or …@sha256:DIGEST');
  const host = rest.slice(0, slash);
  const hostMatch = HOST.exec(host);
  if (hostMatch === null || (hostMatch[1] !== undefined && Number(hostMatch[1]) > 65535)) throw usage(input, `"${host}" is not a host name with an optional port`);
  let path = rest.slice(slash + 1);
  let digest: string | undefined;
  const at = path.indexOf('@');
  if (at !== -1) {
    digest = path.slice(at + 1);
    path = path.slice(0, at);
    if (!DIGEST.test(digest)) throw usage(input, `"${digest}" is not a sha256:<64 lowercase hex> digest`);
  }
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon !== -1) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) throw usage(input, `"${tag}" is not a valid tag`);
  }
  if (!REPOSITORY.test(path)) throw usage(input, `"${path}" is not a repository name (lowercase components separated by /)`);
  if (tag === undefined && digest === undefined) throw usage(input, 'name a tag (:TAG) or a digest (@sha256:…); nothing defaults to latest');
  const hostname = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  const name = `${host}/${path}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
  return { input, host, hostname, repository: path, tag, digest, reference: digest ?? tag ?? '', name };
}

function usage(input: string, why: string): StellaError {
  return new StellaError('USAGE', `${input}: not a registry reference: ${why}`);
}
