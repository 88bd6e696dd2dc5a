/**
 * A test's hands on a local edge: an operator's admin calls, a node that
 * enrolls and gets tokens (through the agent's own client code), and
 * forgers for the bad-input cases (tokens signed with the edge's own key
 * but wrong claims, proofs made for the wrong request).
 *
 * @example
 *   const node = await enrolledNode(edge, 'edge-1');
 *   const { token, dpop } = await node.token();
 */
import { base64url, importJWK, SignJWT, type JWK } from 'jose';
import { clientAssertion, dpopProof, JWT_BEARER_ASSERTION, newDpopKey, publicJwkOf, type DpopKey } from '../../core/auth/client-proofs.js';
import { generateKeyPair, signingKeyFromPair, type SigningKey } from '../../core/sign/keys.js';
import type { LocalEdge } from './miniflare.test-helper.js';

/** POST JSON with the admin secret (or another one). */
export async function adminCreateToken(edge: LocalEdge, body: unknown, secret = edge.secrets.ADMIN_SECRET): Promise<Response> {
  return fetch(`${edge.url}/v1/admin/enrollment-tokens`, { method: 'POST', headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

/** A fresh node key. */
export async function newNodeKey(): Promise<SigningKey> {
  return signingKeyFromPair(await generateKeyPair());
}

/** POST /v1/enroll. */
export async function enroll(edge: LocalEdge, token: string, key: SigningKey): Promise<Response> {
  return fetch(`${edge.url}/v1/enroll`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token, jwk: await publicJwkOf(key) }) });
}

/** A node enrolled at the edge, able to ask for tokens. */
export interface TestNode {
  node: string;
  key: SigningKey;
  /** POST /v1/token with the given (or fresh) assertion and proof. */
  tokenRequest(options?: { assertion?: string; proof?: string; dpop?: DpopKey }): Promise<Response>;
  /** A token and the DPoP key it is bound to. */
  token(): Promise<{ token: string; dpop: DpopKey }>;
}

/**
 * Creates an enrollment token for `node`, enrolls a fresh key with it.
 * @example const node = await enrolledNode(edge, 'edge-1');
 */
export async function enrolledNode(edge: LocalEdge, node: string): Promise<TestNode> {
  const created = (await (await adminCreateToken(edge, { node })).json()) as { token: string };
  const key = await newNodeKey();
  const enrolled = await enroll(edge, created.token, key);
  if (enrolled.status !== 201) throw new Error(`enroll failed: ${enrolled.status} ${await enrolled.text()}`);
  const tokenUrl = `${edge.url}/v1/token`;
  const tokenRequest: TestNode['tokenRequest'] = async (options = {}) => {
    const dpop = options.dpop ?? (await newDpopKey());
    const assertion = options.assertion ?? (await clientAssertion(key, { node, tokenEndpoint: tokenUrl }));
    const proof = options.proof ?? (await dpopProof(dpop, { method: 'POST', url: tokenUrl }));
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: assertion });
    return fetch(tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', DPoP: proof }, body: form });
  };
  return {
    node,
    key,
    tokenRequest,
    async token() {
      const dpop = await newDpopKey();
      const response = await tokenRequest({ dpop });
      if (response.status !== 200) throw new Error(`token failed: ${response.status} ${await response.text()}`);
      return { token: ((await response.json()) as { access_token: string }).access_token, dpop };
    },
  };
}

/** GET /v1/agent (behind requireAgent) with the given token and proof. */
export async function whoami(edge: LocalEdge, token: string, proof: string, scheme = 'DPoP'): Promise<Response> {
  return fetch(`${edge.url}/v1/agent`, { headers: { Authorization: `${scheme} ${token}`, DPoP: proof } });
}

/** An access token signed by the edge's own signing key (or `jwk`) with the claims given, for forging bad ones. */
export async function forgeAccessToken(edge: LocalEdge, claims: Record<string, unknown>, options: { jwk?: JWK; kid?: string; typ?: string } = {}): Promise<string> {
  const jwk = options.jwk ?? (JSON.parse(edge.secrets.TOKEN_SIGNING_KEY) as JWK);
  const key = await importJWK(jwk, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: edge.url, aud: edge.url, sub: 'edge-1', iat: now, nbf: now, exp: now + 300, jti: crypto.randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: options.typ ?? 'at+jwt', kid: options.kid ?? (await edgeKid(edge)) })
    .sign(key);
}

/** The edge's current signing key id, from its JWKS. */
export async function edgeKid(edge: LocalEdge): Promise<string> {
  const jwks = (await (await fetch(`${edge.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
  return (jwks.keys[0] as { kid: string }).kid;
}

/** An unsigned JWT (`alg: none`). */
export function unsignedJwt(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const encode = (value: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(value)));
  return `${encode({ ...header, alg: 'none' })}.${encode(payload)}.`;
}

/** An HS256 JWT whose HMAC secret is `secret` (the public key, in the classic algorithm-confusion attack). */
export async function hs256Jwt(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ ...header, alg: 'HS256' }).sign(new TextEncoder().encode(secret));
}
