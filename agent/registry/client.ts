/**
 * One repository of one registry, over the OCI distribution API with
 * `node:http(s)`: `GET /v2/<repo>/manifests/<ref>` and `GET
 * /v2/<repo>/blobs/<digest>`. Not Node's fetch: its first request loads
 * undici (about 60 ms of the main thread, before the manifest is even
 * asked for), and its web streams cost about 0.5 s of CPU per 48 MB blob
 * on loopback against 0.2 s for `http.get` (measured); a scan's main
 * thread is its critical path.
 * Anonymous first; on a 401 the challenge decides: `Bearer` fetches a token
 * from the realm (with the credentials, if any, as basic auth) for the
 * challenge's service and scope and retries once; `Basic` retries with the
 * credentials. Redirects (blob storage) are followed by hand, each hop held
 * to the transport policy, and the Authorization header is not carried to
 * another host.
 *
 * @example
 *   const client = new RegistryClient(ref, { insecure: [], credentials: undefined });
 *   const response = await client.get(`manifests/${ref.reference}`, MANIFEST_TYPES.join(', '));
 */
import http from 'node:http';
import https from 'node:https';
import { StellaError } from '../../core/errors.js';
import { parseChallenge } from './challenge.js';
import type { Challenge } from './challenge.js';
import type { RegistryCredentials } from './credentials.js';
import type { RegistryReference } from './reference.js';
import { checkRealm, checkUrl, readBounded, registryScheme } from './transport.js';
import type { RegistryAnswer, TransportPolicy } from './transport.js';

/** Options of a client: the transport policy and the credentials for this registry. */
export interface ClientOptions extends TransportPolicy {
  credentials: RegistryCredentials | undefined;
}

const MAX_REDIRECTS = 5;
const MAX_TOKEN_BYTES = 64 * 1024;

/** See the module comment. */
export class RegistryClient {
  private authorization: string | undefined;
  private readonly base: URL;

  constructor(
    readonly ref: RegistryReference,
    private readonly options: ClientOptions,
  ) {
    this.base = new URL(`${registryScheme(ref.host, ref.hostname, options)}://${ref.host}/v2/${ref.repository}/`);
  }

  /** GETs `path` (relative to `/v2/<repo>/`), authenticating when asked; a non-2xx answer is an error naming `what`. */
  async get(path: string, accept: string | undefined, what: string): Promise<RegistryAnswer> {
    let answer = await this.following(new URL(path, this.base), accept);
    if (answer.status === 401) {
      const challenge = parseChallenge(answer.header('www-authenticate'));
      await answer.discard();
      await this.authenticate(challenge);
      answer = await this.following(new URL(path, this.base), accept);
      if (answer.status === 401) {
        await answer.discard();
        throw new StellaError('REGISTRY_AUTH', `${this.ref.input}: the registry refused the ${this.authorization?.startsWith('Bearer') === true ? 'token' : 'credentials'} for ${what} (401)`);
      }
    }
    if (answer.status < 200 || answer.status > 299) {
      await answer.discard();
      const hint = answer.status === 404 ? ': not found (check the repository, tag or digest)' : answer.status === 403 ? ': forbidden' : '';
      throw new StellaError('REGISTRY_REFUSED', `${this.ref.input}: ${what}: HTTP ${answer.status}${hint}`);
    }
    return answer;
  }

  private async following(start: URL, accept: string | undefined): Promise<RegistryAnswer> {
    let url = start;
    for (let hop = 0; ; hop++) {
      checkUrl(url, this.options, this.ref.input);
      const headers: Record<string, string> = {};
      if (accept !== undefined) headers['accept'] = accept;
      // Credentials stay with the registry: a redirect to storage elsewhere gets none.
      if (this.authorization !== undefined && url.host === this.base.host) headers['authorization'] = this.authorization;
      let answer: RegistryAnswer;
      try {
        answer = await httpGet(url, headers);
      } catch (error) {
        throw new StellaError('REGISTRY_UNREACHABLE', `${this.ref.input}: cannot reach ${url.origin} (${describe(error)})`, { cause: error });
      }
      const location = answer.header('location');
      if (answer.status < 300 || answer.status > 399 || location === null) return answer;
      await answer.discard();
      if (hop >= MAX_REDIRECTS) throw new StellaError('REGISTRY_REFUSED', `${this.ref.input}: more than ${MAX_REDIRECTS} redirects from ${start.pathname}`);
      url = new URL(location, url);
    }
  }

  private async authenticate(challenge: Challenge | undefined): Promise<void> {
    const credentials = this.options.credentials;
    if (challenge?.scheme === 'basic') {
      if (credentials === undefined) throw new StellaError('REGISTRY_AUTH', `${this.ref.input}: the registry wants a user name and password: set STELLA_REGISTRY_USERNAME and STELLA_REGISTRY_PASSWORD, or "registries" in the config file`);
      this.authorization = basic(credentials);
      return;
    }
    if (challenge?.scheme !== 'bearer' || challenge.params['realm'] === undefined) {
      throw new StellaError('REGISTRY_AUTH', `${this.ref.input}: the registry answered 401 without a usable Bearer or Basic challenge`);
    }
    this.authorization = `Bearer ${await this.fetchToken(challenge.params)}`;
  }

  private async fetchToken(params: Record<string, string>): Promise<string> {
    const input = this.ref.input;
    let realm: URL;
    try {
      realm = new URL(params['realm'] ?? '');
    } catch {
      throw new StellaError('REGISTRY_AUTH', `${input}: the token realm "${params['realm'] ?? ''}" is not a URL`);
    }
    checkRealm(realm, this.base.host, this.options, input);
    if (params['service'] !== undefined) realm.searchParams.set('service', params['service']);
    realm.searchParams.set('scope', params['scope'] ?? `repository:${this.ref.repository}:pull`);
    const headers: Record<string, string> = {};
    if (this.options.credentials !== undefined) headers['authorization'] = basic(this.options.credentials);
    let answer: RegistryAnswer;
    try {
      answer = await httpGet(realm, headers);
    } catch (error) {
      throw new StellaError('REGISTRY_AUTH', `${input}: cannot get a token from ${realm.origin} (${describe(error)})`, { cause: error });
    }
    // No redirect is followed from the token service (its realm was checked, a new location would not be).
    if (answer.status < 200 || answer.status > 299) {
      await answer.discard();
      throw new StellaError('REGISTRY_AUTH', `${input}: the token service ${realm.origin} answered HTTP ${answer.status}${this.options.credentials === undefined ? ' (no credentials configured)' : ''}`);
    }
    const body = await readBounded(answer, MAX_TOKEN_BYTES, 'the token response', input);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new StellaError('REGISTRY_AUTH', `${input}: the token service ${realm.origin} did not answer JSON`);
    }
    const fields = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    const token = fields['token'] ?? fields['access_token'];
    if (typeof token !== 'string' || token === '') throw new StellaError('REGISTRY_AUTH', `${input}: the token service ${realm.origin} answered without a token`);
    return token;
  }
}

/** One GET through node:http(s), no redirect followed, answered once the headers are in; the body streams from `body`. */
function httpGet(url: URL, headers: Record<string, string>): Promise<RegistryAnswer> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).get(url, { headers }, (message) => {
      resolve({
        status: message.statusCode ?? 0,
        header: (name) => {
          const value = message.headers[name.toLowerCase()];
          return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
        },
        discard: async () => void message.resume(),
        body: message,
      });
    });
    request.on('error', reject);
  });
}

function basic(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** The system error's code (ECONNREFUSED, ENOTFOUND, a TLS code), else its message. */
function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : (error as Error).message;
}
