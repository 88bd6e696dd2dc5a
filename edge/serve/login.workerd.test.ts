/**
 * The dashboard's login in workerd, through the Worker's own fetch (`SELF`,
 * the real Durable Object for the attempt count): what gets in, and every
 * way of not getting in — no cookie, a tampered, expired or foreign cookie,
 * a wrong secret, too many attempts, a cross-origin POST — and that agent
 * routes do not take the cookie. (No Git remote here: a request the guard
 * lets through ends at 503 `edge-not-configured`.)
 */
import { SELF } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { loginClient, LOGIN_ATTEMPTS, LOGIN_WINDOW_SECONDS } from '../auth/login-limit.js';
import { signSession } from '../auth/operator-session.js';

const origin = env.EDGE_ORIGIN;
const secret = env.DASHBOARD_SECRET as string;

/** A login POST as the form sends it, from `client` (CF-Connecting-IP), with the edge's own Origin unless told. */
function login(client: string, given: string, extra: { origin?: string | null; accept?: string; next?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', 'CF-Connecting-IP': client };
  if (extra.origin !== null) headers['Origin'] = extra.origin ?? origin;
  if (extra.accept !== undefined) headers['Accept'] = extra.accept;
  return SELF.fetch(`${origin}/login`, { method: 'POST', redirect: 'manual', headers, body: new URLSearchParams({ secret: given, next: extra.next ?? '/' }) });
}

function withCookie(path: string, cookie: string): Promise<Response> {
  return SELF.fetch(`${origin}${path}`, { redirect: 'manual', headers: { Cookie: cookie } });
}

/** `name=value` of the Set-Cookie the response carries. */
function cookieOf(response: Response): string {
  return (response.headers.get('Set-Cookie') ?? '').split(';')[0] as string;
}

describe('dashboard login', () => {
  it('lets the right secret in: a cookie HttpOnly, SameSite=Strict, 12 h, which opens pages and JSON; logout drops it', async () => {
    const page = await SELF.fetch(`${origin}/login?next=%2Ftargets%2Fn1%2Fweb`);
    expect(page.status).toBe(200);
    const form = await page.text();
    expect(form).toMatch(/<label for="secret">Dashboard secret<input id="secret" name="secret" type="password"/);
    expect(form).toContain('<input type="hidden" name="next" value="/targets/n1/web">');

    const answer = await login('192.0.2.10', secret, { next: '/targets/n1/web' });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('Location')).toBe('/targets/n1/web');
    const setCookie = answer.headers.get('Set-Cookie') ?? '';
    // Loopback HTTP (this test's origin): no Secure, which browsers would drop here.
    expect(setCookie).toMatch(/^stella_session=v1\.\d+\.[\w-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);

    const nodes = await withCookie('/v1/dashboard/nodes', cookieOf(answer));
    expect(nodes.status).toBe(503);
    expect(await nodes.json()).toMatchObject({ type: 'https://stella-mesh.dev/problems/edge-not-configured' });
    expect((await withCookie('/', cookieOf(answer))).status).toBe(503);
    // Logged in already: the login page sends the operator on.
    expect((await withCookie('/login?next=/targets/a/b', cookieOf(answer))).headers.get('Location')).toBe('/targets/a/b');

    const out = await SELF.fetch(`${origin}/logout`, { method: 'POST', redirect: 'manual', headers: { Origin: origin, Cookie: cookieOf(answer) } });
    expect(out.status).toBe(303);
    expect(out.headers.get('Location')).toBe('/login');
    expect(out.headers.get('Set-Cookie')).toMatch(/^stella_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict$/);
  });

  it('over HTTPS, sets a Secure __Host- cookie and reads only that one', async () => {
    const answer = await SELF.fetch('https://edge.example/login', {
      method: 'POST',
      redirect: 'manual',
      headers: { Origin: 'https://edge.example', 'CF-Connecting-IP': '192.0.2.11', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ secret }),
    });
    expect(answer.headers.get('Set-Cookie')).toMatch(/^__Host-stella_session=v1\.\d+\.[\w-]{43}; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    const token = cookieOf(answer).split('=')[1] as string;
    expect((await SELF.fetch('https://edge.example/v1/dashboard/nodes', { headers: { Cookie: `__Host-stella_session=${token}` } })).status).toBe(503);
    // The unprefixed name, which a subdomain or plain HTTP could plant, is not read.
    expect((await SELF.fetch('https://edge.example/v1/dashboard/nodes', { headers: { Cookie: `stella_session=${token}` } })).status).toBe(401);
  });

  it('refuses the API without a session (401 problem) and sends pages to the login', async () => {
    for (const path of ['/v1/dashboard/nodes', '/v1/dashboard/targets', '/v1/dashboard/targets/n1/web', '/v1/dashboard/targets/n1/web/diff?from=a&to=b']) {
      const answer = await SELF.fetch(`${origin}${path}`);
      expect(answer.status, path).toBe(401);
      expect(answer.headers.get('Content-Type')).toBe('application/problem+json');
      expect(answer.headers.get('WWW-Authenticate')).toContain('realm="stella-dashboard"');
      expect(await answer.json()).toMatchObject({ type: 'https://stella-mesh.dev/problems/login-required', status: 401 });
    }
    const overview = await SELF.fetch(`${origin}/`, { redirect: 'manual' });
    expect(overview.status).toBe(303);
    expect(overview.headers.get('Location')).toBe('/login?next=%2F');
    const target = await SELF.fetch(`${origin}/targets/n1/web?severity=LOW`, { redirect: 'manual' });
    expect(target.headers.get('Location')).toBe(`/login?next=${encodeURIComponent('/targets/n1/web?severity=LOW')}`);
  });

  it('refuses tampered, expired and foreign cookies', async () => {
    const good = await signSession(secret, Date.now());
    expect((await withCookie('/v1/dashboard/nodes', `stella_session=${good}`)).status).toBe(503);
    const [version, expiry, mac] = good.split('.') as [string, string, string];
    const flipped = `${mac.slice(0, 10)}${mac[10] === 'A' ? 'B' : 'A'}${mac.slice(11)}`;
    const tampered = [`${version}.${expiry}.${flipped}`, `${version}.${Number(expiry) + 86_400}.${mac}`, `${version}.${expiry}`, 'operator', ''];
    for (const token of tampered) expect((await withCookie('/v1/dashboard/nodes', `stella_session=${token}`)).status, token).toBe(401);
    const expired = await signSession(secret, Date.now() - 12 * 3600 * 1000 - 1000);
    expect((await withCookie('/v1/dashboard/nodes', `stella_session=${expired}`)).status).toBe(401);
    expect((await withCookie('/', `stella_session=${expired}`)).headers.get('Location')).toBe('/login?next=%2F');
    const foreign = await signSession(`${secret}-another-edge`, Date.now());
    expect((await withCookie('/v1/dashboard/nodes', `stella_session=${foreign}`)).status).toBe(401);
  });

  it('refuses a wrong secret: a problem for a script, the form with the reason for a browser, no cookie either way', async () => {
    const plain = await login('192.0.2.20', `${secret}x`);
    expect(plain.status).toBe(401);
    expect(plain.headers.get('Set-Cookie')).toBeNull();
    expect(await plain.json()).toMatchObject({ type: 'https://stella-mesh.dev/problems/login-refused' });
    const browser = await login('192.0.2.20', '', { accept: 'text/html,application/xhtml+xml' });
    expect(browser.status).toBe(401);
    expect(browser.headers.get('Set-Cookie')).toBeNull();
    expect(await browser.text()).toMatch(/<p class="bad" role="alert" id="login-error">that is not the dashboard secret/);
  });

  it(`limits attempts per client: after ${LOGIN_ATTEMPTS} in the window, 429 with Retry-After even for the right secret`, async () => {
    for (let i = 0; i < LOGIN_ATTEMPTS; i++) expect((await login('198.51.100.7', `wrong-${i}`)).status).toBe(401);
    const limited = await login('198.51.100.7', secret);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe(String(LOGIN_WINDOW_SECONDS));
    expect(limited.headers.get('Set-Cookie')).toBeNull();
    const page = await login('198.51.100.7', secret, { accept: 'text/html' });
    expect(page.status).toBe(429);
    expect(page.headers.get('Retry-After')).toBe(String(LOGIN_WINDOW_SECONDS));
    expect(await page.text()).toContain('too many login attempts from this address');
    // Another client is not held back.
    expect((await login('198.51.100.8', secret)).status).toBe(303);
  });

  it('counts IPv6 clients by their /64', () => {
    const ip = (address: string) => loginClient(new Request(origin, { headers: { 'CF-Connecting-IP': address } }));
    expect(ip('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(ip('2001:0db8:0000:0000:ffff::2')).toBe('2001:db8:0:0::/64');
    expect(ip('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(ip('192.0.2.1')).toBe('192.0.2.1');
    expect(loginClient(new Request(origin))).toBe('unknown');
  });

  it('refuses a cross-origin or Origin-less POST before counting it, and a cross-origin logout', async () => {
    for (const from of ['https://evil.example', 'null', null]) {
      const answer = await login('203.0.113.5', secret, { origin: from });
      expect(answer.status, String(from)).toBe(403);
      expect(answer.headers.get('Set-Cookie')).toBeNull();
      expect(await answer.json()).toMatchObject({ type: 'https://stella-mesh.dev/problems/cross-origin' });
    }
    // None of those spent an attempt: the client still has all of them.
    for (let i = 0; i < LOGIN_ATTEMPTS - 1; i++) expect((await login('203.0.113.5', 'wrong')).status).toBe(401);
    expect((await login('203.0.113.5', secret)).status).toBe(303);
    const logout = await SELF.fetch(`${origin}/logout`, { method: 'POST', redirect: 'manual', headers: { Origin: 'https://evil.example' } });
    expect(logout.status).toBe(403);
    expect(logout.headers.get('Set-Cookie')).toBeNull();
  });

  it('sends a logged-in operator only to a path on this edge', async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      expect((await login('192.0.2.30', secret, { next })).headers.get('Location'), next).toBe('/');
    }
  });

  it('does not let the cookie into agent routes', async () => {
    const cookie = `stella_session=${await signSession(secret, Date.now())}`;
    for (const [method, path] of [
      ['GET', '/v1/state/refs'],
      ['GET', '/v1/agent'],
      ['POST', '/v1/reports'],
      ['GET', '/v1/git/info/refs?service=git-upload-pack'],
      ['GET', `/v1/state/${'a'.repeat(40)}/files/feeds`],
    ] as const) {
      const answer = await SELF.fetch(`${origin}${path}`, { method, headers: { Cookie: cookie } });
      expect(answer.status, path).toBe(401);
    }
  });
});
