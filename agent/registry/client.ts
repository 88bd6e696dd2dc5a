/**
 * One repository of one registry, over the OCI distribution API with Node's
 * fetch: `GET /v2/<repo>/manifests/<ref>` and `GET /v2/<repo>/blobs/<digest>`.
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
import { StellaError } from '../../core/errors.js';
import { parseChallenge } from './challenge.js';
import type { Challenge } from './challenge.js';
import type { RegistryCredentials } from './credentials.js';
import type { RegistryReference } from './reference.js';
import { checkRealm, checkUrl, readBounded, registryScheme } from './transport.js';
import type { TransportPolicy } from './transport.js';

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
  async get(path: string, accept: string | undefined, what: string): Promise<Response> {
    let response = await this.fetchFollowing(new URL(path, this.base), accept);
    if (response.status === 401) {
      const challenge = parseChallenge(response.headers.get('www-authenticate'));
      await response.body?.cancel();
      await this.authenticate(challenge);
      response = await this.fetchFollowing(new URL(path, this.base), accept);
      if (response.status === 401) {
        await response.body?.cancel();
        throw new StellaError('REGISTRY_AUTH', `${this.ref.input}: the registry refused the ${this.authorization?.startsWith('Bearer') === true ? 'token' : 'credentials'} for ${what} (401)`);
      }
    }
    if (!response.ok) {
      await response.body?.cancel();
      const hint = response.status === 404 ? ': not found (check the repository, tag or digest)' : response.status === 403 ? ': forbidden' : '';
      throw new StellaError('REGISTRY_REFUSED', `${this.ref.input}: ${what}: HTTP ${response.status}${hint}`);
    }
    return response;
  }

  private async fetchFollowing(start: URL, accept: string | undefined): Promise<Response> {
    let url = start;
    for (let hop = 0; ; hop++) {
      checkUrl(url, this.options, this.ref.input);
      const headers: Record<string, string> = {};
      if (accept !== undefined) headers['accept'] = accept;
      // Credentials stay with the registry: a redirect to storage elsewhere gets none.
      if (this.authorization !== undefined && url.host === this.base.host) headers['authorization'] = this.authorization;
      let response: Response;
      try {
        response = await fetch(url, { headers, redirect: 'manual' });
      } catch (error) {
        throw new StellaError('REGISTRY_UNREACHABLE', `${this.ref.input}: cannot reach ${url.origin} (${describe(error)})`, { cause: error });
      }
      const location = response.headers.get('location');
      if (response.status < 300 || response.status > 399 || location === null) return response;
      await response.body?.cancel();
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
    let response: Response;
    try {
      response = await fetch(realm, { headers, redirect: 'error' });
    } catch (error) {
      throw new StellaError('REGISTRY_AUTH', `${input}: cannot get a token from ${realm.origin} (${describe(error)})`, { cause: error });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new StellaError('REGISTRY_AUTH', `${input}: the token service ${realm.origin} answered HTTP ${response.status}${this.options.credentials === undefined ? ' (no credentials configured)' : ''}`);
    }
    const body = await readBounded(response, MAX_TOKEN_BYTES, 'the token response', input);
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

function basic(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  return String(cause?.code ?? cause?.message ?? (error as Error).message);
}
