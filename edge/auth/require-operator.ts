/**
 * The dashboard's guard: its pages and its JSON want the operator's
 * session cookie (`operator-session.ts`), set by the login form
 * (`serve/login.ts`). A page without one redirects to the login (and back
 * afterwards); the JSON answers 401 with a problem document. Agent routes
 * never look at this cookie: they keep their own DPoP authentication.
 *
 * The cookie is HttpOnly (no script reads it), SameSite=Strict (no other
 * site's page sends it) and Secure, with the `__Host-` prefix (no
 * subdomain can plant one, and it is the whole origin's). Only on loopback
 * HTTP — `npm run dev:edge`, the tests — is it plain: browsers drop Secure
 * cookies there, except on localhost.
 *
 * @example
 *   routes.get('/', requireOperator('page'), handler);
 *   routes.get('/v1/dashboard/nodes', requireOperator('api'), handler);
 */
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { CookieOptions } from 'hono/utils/cookie';
import type { Bindings, EdgeEnv } from '../env.js';
import { ProblemError } from '../problem.js';
import { sessionValid, SESSION_TTL_SECONDS, signSession } from './operator-session.js';

const COOKIE = 'stella_session';

/**
 * Lets the request on with a valid session; otherwise a redirect to `/login` (pages) or 401 (API).
 * @example routes.get('/targets/:node/:slug', requireOperator('page'), handler)
 */
export function requireOperator(kind: 'page' | 'api'): MiddlewareHandler<EdgeEnv> {
  return async (c, next) => {
    if (!(await hasSession(c))) {
      if (kind === 'page') {
        const url = new URL(c.req.url);
        return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
      }
      throw new ProblemError(401, 'login-required', 'Login required', 'the dashboard API needs the operator session cookie: log in at /login with the dashboard secret first', {}, { 'WWW-Authenticate': 'Cookie realm="stella-dashboard", form-action="/login"' });
    }
    // What only a logged-in operator may see must not sit in a shared cache.
    c.header('Cache-Control', 'no-store');
    await next();
  };
}

/**
 * True when the request carries a valid, unexpired session cookie.
 * @example if (await hasSession(c)) return c.redirect(next, 303);
 */
export async function hasSession(c: Context<EdgeEnv>): Promise<boolean> {
  const token = getCookie(c, COOKIE, ...prefixOf(c));
  return token !== undefined && (await sessionValid(dashboardSecret(c.env), token, Date.now()));
}

/**
 * Sets a fresh session cookie on the response.
 * @example await startSession(c); return c.redirect(next, 303);
 */
export async function startSession(c: Context<EdgeEnv>): Promise<void> {
  const token = await signSession(dashboardSecret(c.env), Date.now());
  setCookie(c, COOKIE, token, { ...attributes(c), maxAge: SESSION_TTL_SECONDS });
}

/**
 * Tells the browser to drop the session cookie.
 * @example endSession(c); return c.redirect('/login', 303);
 */
export function endSession(c: Context<EdgeEnv>): void {
  deleteCookie(c, COOKIE, attributes(c));
}

/**
 * The secret the operator logs in with; refuses (500) to run with none, as the admin endpoints do.
 * @example await sameSecret(given, dashboardSecret(c.env))
 */
export function dashboardSecret(env: Bindings): string {
  const secret = env.DASHBOARD_SECRET ?? '';
  if (secret.length < 16) throw new ProblemError(500, 'edge-misconfigured', 'Edge misconfigured', 'DASHBOARD_SECRET is not set (or shorter than 16 characters); set it with `wrangler secret put DASHBOARD_SECRET`');
  return secret;
}

/**
 * True when `request` came from the edge's own pages: its Origin header is the request's own origin.
 * Browsers send Origin with every POST, so a form on another site cannot pass (with SameSite=Strict, the CSRF defence).
 * @example if (!sameOrigin(c.req.raw)) throw crossOrigin();
 */
export function sameOrigin(request: Request): boolean {
  return request.headers.get('Origin') === new URL(request.url).origin;
}

function attributes(c: Context<EdgeEnv>): CookieOptions {
  const plain = loopbackHttp(new URL(c.req.url));
  return plain ? { httpOnly: true, sameSite: 'Strict', path: '/', secure: false } : { httpOnly: true, sameSite: 'Strict', path: '/', secure: true, prefix: 'host' };
}

function prefixOf(c: Context<EdgeEnv>): ['host'] | [] {
  return loopbackHttp(new URL(c.req.url)) ? [] : ['host'];
}

function loopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname));
}
