/**
 * A token service for the registry's `auth: token` mode, on loopback: it
 * checks HTTP basic credentials and answers `{"token": JWT}` — an ES256 JWT
 * whose `x5c` header carries a self-signed certificate (made with openssl)
 * that the registry trusts through its `rootcertbundle`. The claims follow
 * distribution's token spec: iss, sub, aud (the service), exp, nbf, iat,
 * jti and `access` (the scope granted).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { importPKCS8, SignJWT } from 'jose';

const run = promisify(execFile);

/** A running token service. */
export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** The certificate file the registry's rootcertbundle points at. */
  certFile: string;
  /** Query strings of the token requests, and whether they carried valid credentials. */
  requests: Array<{ scope: string | null; service: string | null; authorized: boolean }>;
  close(): Promise<void>;
}

/** Starts the service; `username`/`password` are the only credentials it accepts. */
export async function startTokenServer(dir: string, username: string, password: string): Promise<TokenServer> {
  const keyFile = join(dir, 'token.key');
  const certFile = join(dir, 'token.crt');
  await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'token.ec')]);
  await run('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', join(dir, 'token.ec'), '-out', keyFile]);
  await run('openssl', ['req', '-x509', '-new', '-key', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=stella-test-token']);
  const key = await importPKCS8(await readFile(keyFile, 'utf8'), 'ES256');
  const pem = await readFile(certFile, 'utf8');
  const der = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const service = 'stella-test-registry';
  const issuer = 'stella-test-issuer';
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const requests: TokenServer['requests'] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const authorized = request.headers.authorization === expected;
    const scope = url.searchParams.get('scope');
    requests.push({ scope, service: url.searchParams.get('service'), authorized });
    if (!authorized) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    const [type, name, actions] = (scope ?? '').split(':');
    const now = Math.floor(Date.now() / 1000);
    void new SignJWT({ access: [{ type, name, actions: (actions ?? '').split(',') }] })
      .setProtectedHeader({ alg: 'ES256', x5c: [der] })
      .setIssuer(issuer)
      .setSubject(username)
      .setAudience(service)
      .setIssuedAt(now)
      .setNotBefore(now - 60)
      .setExpirationTime(now + 300)
      .setJti(`t${requests.length}`)
      .sign(key)
      .then((token) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300 })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { realm: `http://127.0.0.1:${port}/token`, service, issuer, certFile, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
