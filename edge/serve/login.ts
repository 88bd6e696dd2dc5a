/**
 * The operator's login to the dashboard: a plain HTML form (no script) for
 * the dashboard secret, and logout.
 *
 *   GET  /login?next=<path>   the form (a logged-in operator goes straight on to `next`)
 *   POST /login               form `secret`, `next` → 303 to `next` with the session cookie
 *   POST /logout              → 303 to /login, the cookie dropped
 *
 * Both POSTs want an Origin header equal to the edge's own origin (403
 * otherwise): with the SameSite=Strict cookie, that is the CSRF defence, and
 * it is checked first, so another site cannot spend an operator's attempts.
 * Attempts are then limited per client (`auth/login-limit.ts`, 429 with
 * Retry-After), and the secret compared in constant time. A wrong secret or
 * too many attempts answer a browser (Accept: text/html) with the form and
 * the reason, anything else with a problem document; both are logged.
 *
 * @example app.route('/', loginRoutes());
 */
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { sameSecret } from '../auth/admin-secret.js';
import { durableReplayGuard } from '../auth/claim-once.js';
import { loginClient, takeLoginAttempt } from '../auth/login-limit.js';
import { dashboardSecret, endSession, hasSession, sameOrigin, startSession } from '../auth/require-operator.js';
import type { EdgeEnv } from '../env.js';
import { readText } from '../json-body.js';
import { ProblemError } from '../problem.js';
import { page } from './page.js';

const MAX_FORM = 4096;

/**
 * The login and logout routes.
 * @example new Hono<EdgeEnv>().route('/', loginRoutes())
 */
export function loginRoutes(): Hono<EdgeEnv> {
  const routes = new Hono<EdgeEnv>();
  routes.get('/login', async (c) => {
    const next = localPath(c.req.query('next'));
    if (await hasSession(c)) return c.redirect(next, 303);
    return loginPage(c, next, 200);
  });
  routes.post('/login', async (c) => {
    refuseCrossOrigin(c.req.raw);
    const secret = dashboardSecret(c.env);
    const allowance = await takeLoginAttempt(durableReplayGuard(c.env.NODE), loginClient(c.req.raw), Date.now());
    const form = new URLSearchParams(await readText(c.req.raw, MAX_FORM));
    const next = localPath(form.get('next') ?? undefined);
    if (allowance.$case === 'limited') {
      const detail = `too many login attempts from this address: try again in ${Math.ceil(allowance.retryAfterSeconds / 60)} minutes`;
      return refuse(c, next, new ProblemError(429, 'too-many-logins', 'Too many login attempts', detail, {}, { 'Retry-After': String(allowance.retryAfterSeconds) }));
    }
    if (!(await sameSecret(form.get('secret') ?? '', secret))) {
      return refuse(c, next, new ProblemError(401, 'login-refused', 'Login refused', 'that is not the dashboard secret (the edge operator set it as DASHBOARD_SECRET)'));
    }
    await startSession(c);
    return c.redirect(next, 303);
  });
  routes.post('/logout', (c) => {
    refuseCrossOrigin(c.req.raw);
    endSession(c);
    return c.redirect('/login', 303);
  });
  return routes;
}

function refuseCrossOrigin(request: Request): void {
  if (!sameOrigin(request)) throw new ProblemError(403, 'cross-origin', 'Cross-origin request refused', 'log in and out from the edge\'s own pages: this POST came without the edge\'s origin in its Origin header');
}

/** A refused login: logged like every refusal; the form again for a browser, a problem document otherwise. */
function refuse(c: Context<EdgeEnv>, next: string, problem: ProblemError): Response | Promise<Response> {
  console.log(JSON.stringify({ level: 'warn', problem: problem.kind, status: problem.status, method: c.req.method, path: new URL(c.req.url).pathname, detail: problem.detail }));
  if (!(c.req.header('Accept') ?? '').includes('text/html')) throw problem;
  for (const [name, value] of Object.entries(problem.headers)) c.header(name, value);
  return loginPage(c, next, problem.status as ContentfulStatusCode, problem.detail);
}

function loginPage(c: Context<EdgeEnv>, next: string, status: ContentfulStatusCode, error?: string): Response | Promise<Response> {
  c.header('Cache-Control', 'no-store');
  return c.html(
    page(
      'Log in',
      html`<h1>Log in</h1>
<p>The dashboard shows every node's findings. Give the dashboard secret (<code>DASHBOARD_SECRET</code>, from the edge's operator).</p>
${error === undefined ? '' : html`<p class="bad" role="alert" id="login-error">${error}</p>`}
<form method="post" action="/login">
<input type="hidden" name="next" value="${next}">
<label for="secret">Dashboard secret<input id="secret" name="secret" type="password" autocomplete="current-password" required${error === undefined ? '' : html` aria-invalid="true" aria-describedby="login-error"`}></label>
<button type="submit">Log in</button>
</form>`,
    ),
    status,
  );
}

/** Where to go after logging in: a path on this edge only (never `//host` or another origin). */
function localPath(next: string | undefined): string {
  return next !== undefined && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}
