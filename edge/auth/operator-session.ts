/**
 * The dashboard operator's session: a small signed token the login hands
 * out in a cookie, with no server-side state. It is
 * `v1.<expiry in Unix seconds>.<HMAC-SHA-256 of "v1.<expiry>">` (base64url),
 * keyed by a key derived (HKDF-SHA-256) from `DASHBOARD_SECRET`: whoever can
 * log in could mint one anyway, and changing the secret ends every session
 * at once (the only server-side revocation there is; logging out removes
 * the cookie from that browser). `crypto.subtle.verify` compares the MAC in
 * constant time.
 *
 * @example
 *   const token = await signSession(env.DASHBOARD_SECRET, Date.now());
 *   await sessionValid(env.DASHBOARD_SECRET, token, Date.now()); // true for 12 h
 */
import { base64UrlDecode, base64UrlEncode, utf8Encode } from '../../core/sign/encoding.js';

/** How long a login lasts. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

const VERSION = 'v1';
/** Binds the derived key to this one use of the secret. */
const KEY_INFO = 'stella-mesh edge dashboard session v1';

/**
 * A session token valid until `now` + {@link SESSION_TTL_SECONDS}.
 * @example const token = await signSession(secret, Date.now());
 */
export async function signSession(secret: string, now: number): Promise<string> {
  const payload = `${VERSION}.${Math.floor(now / 1000) + SESSION_TTL_SECONDS}`;
  const mac = await crypto.subtle.sign('HMAC', await sessionKey(secret), utf8Encode(payload));
  return `${payload}.${base64UrlEncode(new Uint8Array(mac))}`;
}

/**
 * True when `token` was signed with `secret`'s key and has not expired at `now`.
 * @example if (!(await sessionValid(secret, cookie, Date.now()))) return redirectToLogin();
 */
export async function sessionValid(secret: string, token: string, now: number): Promise<boolean> {
  const match = /^(v1\.(\d{1,12}))\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (match === null) return false;
  const [, payload = '', expiry = '0', mac = ''] = match;
  let signature: Uint8Array<ArrayBuffer>;
  try {
    signature = base64UrlDecode(mac, 'session cookie');
  } catch {
    return false;
  }
  const authentic = await crypto.subtle.verify('HMAC', await sessionKey(secret), signature, utf8Encode(payload));
  return authentic && Number(expiry) * 1000 > now;
}

/** The HMAC key: HKDF from the secret, so the secret itself never keys anything but this derivation. */
async function sessionKey(secret: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', utf8Encode(secret), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: utf8Encode(KEY_INFO) },
    material,
    { name: 'HMAC', hash: 'SHA-256', length: 256 },
    false,
    ['sign', 'verify'],
  );
}
