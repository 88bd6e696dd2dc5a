/**
 * Which URLs a pull may use, and reading bounded bodies. Plain `http://` is
 * allowed only to a loopback host or to a host named by
 * `--insecure-registry`; every redirect hop is held to the same rule, so a
 * registry cannot send a blob request to plain HTTP elsewhere. A token
 * realm on another host than the registry must be HTTPS or loopback.
 *
 * @example
 *   checkUrl(new URL('http://10.0.0.5:5000/v2/'), policy, 'registry://10.0.0.5:5000/app:1'); // throws INSECURE_REGISTRY
 */
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { StellaError } from '../../core/errors.js';

/** Hosts (`host[:port]` or bare host names) that may be reached over plain HTTP. */
export interface TransportPolicy {
  insecure: readonly string[];
}

/** True for `localhost`, 127.0.0.0/8 and ::1. */
export function isLoopback(hostname: string): boolean {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/** The scheme to reach a registry host with: http for loopback and insecure hosts, else https. */
export function registryScheme(host: string, hostname: string, policy: TransportPolicy): 'http' | 'https' {
  return isLoopback(hostname) || isInsecure(host, hostname, policy) ? 'http' : 'https';
}

function isInsecure(host: string, hostname: string, policy: TransportPolicy): boolean {
  return policy.insecure.includes(host) || policy.insecure.includes(hostname);
}

/** Refuses a plain-HTTP URL to a host that is neither loopback nor named insecure. */
export function checkUrl(url: URL, policy: TransportPolicy, input: string): void {
  if (url.protocol === 'https:') return;
  if (url.protocol !== 'http:') throw new StellaError('REGISTRY_REFUSED', `${input}: refusing to fetch ${url.protocol} URL ${url.origin}`);
  if (isLoopback(url.hostname) || isInsecure(url.host, url.hostname, policy)) return;
  throw new StellaError('INSECURE_REGISTRY', `${input}: refusing plain http to ${url.host}: only loopback hosts, or hosts named by --insecure-registry ${url.host}, may be reached without TLS`);
}

/** A token realm on another host than the registry: followed only over https or to loopback. */
export function checkRealm(realm: URL, registryHost: string, policy: TransportPolicy, input: string): void {
  if (realm.host !== registryHost && realm.protocol !== 'https:' && !isLoopback(realm.hostname)) {
    throw new StellaError('REGISTRY_AUTH', `${input}: the registry sends for a token to ${realm.origin}, another host over plain http; refused (a realm elsewhere must be https or loopback)`);
  }
  checkUrl(realm, policy, input);
}

/** One answer of a registry or token service (agent/registry/client.ts sends the requests). */
export interface RegistryAnswer {
  status: number;
  /** A response header, or null. */
  header(name: string): string | null;
  body: Readable;
  /** Drops the body of an answer not used (refused, redirected). */
  discard(): Promise<void>;
}

/** The body of `answer`, refused past `max` bytes (declared or actual). */
export async function readBounded(answer: RegistryAnswer, max: number, what: string, input: string): Promise<Buffer> {
  const declared = Number(answer.header('content-length') ?? '0');
  if (declared > max) {
    await answer.discard();
    throw new StellaError('LIMIT_EXCEEDED', `${input}: ${what} is ${declared} bytes, over the limit of ${max}`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of answer.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) {
      answer.body.destroy();
      throw new StellaError('LIMIT_EXCEEDED', `${input}: ${what} is over the limit of ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
