/**
 * Pulls from the real reference registry (docker-registry) on loopback, the
 * test images pushed by skopeo: the same inventory as the OCI archive, a
 * multi-platform index, a counting proxy (no layer downloaded twice), a
 * tampering proxy (digest mismatch names the blob, nothing of it cached),
 * redirects to plain http elsewhere refused, and the bearer-token flow
 * against the registry's `auth: token` mode with our own token service.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runStella } from '../../test/helpers/cli.js';
import { imagesDir } from '../../test/helpers/paths.js';
import { pushArchive, startProxy, startRegistry } from '../../test/helpers/registry.js';
import type { TestRegistry } from '../../test/helpers/registry.js';
import { startTokenServer } from '../../test/helpers/token-server.js';
import type { TokenServer } from '../../test/helpers/token-server.js';
import { ScanCache } from '../cache/scan-cache.js';
import { scanTarget } from '../scan/scan.js';
import type { ScanOptions } from '../scan/scan.js';

const nodeArchive = join(imagesDir, 'debian-node.oci.tar');
const baseArchive = join(imagesDir, 'debian-base.oci.tar');
let tmp: string;
let storage: string;
let registry: TestRegistry;
let archiveReport: Awaited<ReturnType<typeof scanTarget>>['report'];
let baseReport: Awaited<ReturnType<typeof scanTarget>>['report'];

const scan = async (target: string, options: ScanOptions = {}) => (await scanTarget(target, options)).report;
const errorOf = async (promise: Promise<unknown>): Promise<{ code?: string; message: string }> => {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected the scan to fail');
};

/** An OCI index of two manifests already in `repo`, pushed under `tag`. */
async function pushIndex(host: string, repo: string, tag: string, entries: Array<{ digest: string; size: number; architecture: string }>): Promise<void> {
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: entries.map((e) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: e.digest, size: e.size, platform: { os: 'linux', architecture: e.architecture } })),
  };
  const response = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, { method: 'PUT', headers: { 'content-type': index.mediaType }, body: JSON.stringify(index) });
  if (response.status !== 201) throw new Error(`index push: HTTP ${response.status} ${await response.text()}`);
}

async function manifestOf(host: string, repoTag: string): Promise<{ digest: string; size: number }> {
  const [repo, tag] = repoTag.split(':');
  const response = await fetch(`http://${host}/v2/${repo ?? ''}/manifests/${tag ?? ''}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  const body = Buffer.from(await response.arrayBuffer());
  return { digest: response.headers.get('docker-content-digest') ?? '', size: body.length };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'stella-registry-'));
  storage = join(tmp, 'storage');
  registry = await startRegistry(tmp, storage);
  await pushArchive(nodeArchive, registry.host, 'stella/debian-node:1');
  await pushArchive(baseArchive, registry.host, 'stella/debian-base:1');
  await pushArchive(nodeArchive, registry.host, 'stella/multi:node');
  await pushArchive(baseArchive, registry.host, 'stella/multi:base');
  const node = await manifestOf(registry.host, 'stella/multi:node');
  const base = await manifestOf(registry.host, 'stella/multi:base');
  await pushIndex(registry.host, 'stella/multi', '1', [
    { ...base, architecture: 'arm64' },
    { ...node, architecture: 'amd64' },
  ]);
  archiveReport = await scan(nodeArchive);
  baseReport = await scan(baseArchive);
}, 180_000);

afterAll(async () => {
  await registry.stop();
  await rm(tmp, { recursive: true, force: true });
});

describe('registry pulls', () => {
  it('scans an image pulled from the registry into the same components, layers and digest as its OCI archive', async () => {
    const report = await scan(`registry://${registry.host}/stella/debian-node:1`);
    expect(report.target.kind).toBe('registry-image');
    expect(report.target.name).toBe(`${registry.host}/stella/debian-node:1`);
    expect(report.target.digest).toBe(archiveReport.target.digest);
    expect(report.target.layers).toEqual(archiveReport.target.layers);
    expect(report.target.os).toEqual(archiveReport.target.os);
    expect(JSON.stringify(report.components)).toBe(JSON.stringify(archiveReport.components));
    expect(report.findings).toEqual(archiveReport.findings);
    expect(report.warnings).toEqual(archiveReport.warnings);
    const pinned = await scan(`registry://${registry.host}/stella/debian-node@${archiveReport.target.digest}`);
    expect(JSON.stringify(pinned.components)).toBe(JSON.stringify(archiveReport.components));
  }, 120_000);

  it('chooses the platform of an OCI index: the node\'s by default, --platform otherwise, and names what is offered when none fits', async () => {
    const target = `registry://${registry.host}/stella/multi:1`;
    // This machine is linux/amd64 (the images are built for it).
    expect((await scan(target)).target.digest).toBe(archiveReport.target.digest);
    const arm = await scan(target, { registry: { platform: 'linux/arm64' } });
    expect(arm.target.digest).toBe(baseReport.target.digest);
    expect(JSON.stringify(arm.components)).toBe(JSON.stringify(baseReport.components));
    const none = await errorOf(scan(target, { registry: { platform: 'linux/s390x' } }));
    expect(none.code).toBe('NOT_FOUND');
    expect(none.message).toContain('no image for platform linux/s390x (the index offers linux/arm64, linux/amd64)');
  }, 120_000);

  it('downloads no layer twice: a warm rescan fetches only the manifest, an image sharing the base layer only its own layers', async () => {
    const proxy = await startProxy(registry.host);
    const cache = await ScanCache.open(join(tmp, 'cache-count'));
    try {
      const blobs = (): string[] => proxy.requests.filter((r) => r.path.includes('/blobs/')).map((r) => r.path.replace(/^.*\/blobs\//, ''));
      await scan(`registry://${proxy.host}/stella/debian-base:1`, { cache });
      const baseBlobs = blobs();
      expect(baseBlobs).toHaveLength(2); // config and the one layer
      const cold = await scan(`registry://${proxy.host}/stella/debian-node:1`, { cache });
      const nodeBlobs = blobs().slice(baseBlobs.length);
      // config and 3 layers: the shared base layer is not downloaded again.
      expect(nodeBlobs).toHaveLength(4);
      expect(nodeBlobs).not.toContain(archiveReport.target.layers?.[0]?.digest);
      const before = proxy.requests.length;
      const warm = await scan(`registry://${proxy.host}/stella/debian-node:1`, { cache });
      const warmRequests = proxy.requests.slice(before);
      expect(warmRequests.filter((r) => r.path.includes('/blobs/'))).toEqual([]);
      expect(warmRequests.map((r) => r.path)).toEqual(['/v2/stella/debian-node/manifests/1']);
      expect(JSON.stringify(warm.components)).toBe(JSON.stringify(cold.components));
      expect(JSON.stringify(cold.components)).toBe(JSON.stringify(archiveReport.components));
    } finally {
      await cache.close();
      await proxy.close();
    }
  }, 120_000);

  it('fails on a blob whose bytes do not match its digest, naming the blob, and caches nothing of it', async () => {
    const tampered = archiveReport.target.layers?.[3]?.digest ?? '';
    const proxy = await startProxy(registry.host, async (request, response, upstream) => {
      if (!(request.url ?? '').endsWith(`/blobs/${tampered}`)) return false;
      const answer = await upstream();
      const body = Buffer.from(answer.body);
      // One byte of the gzip trailer (its CRC): the stream still inflates, only the digest tells.
      body[body.length - 6] = (body[body.length - 6] ?? 0) ^ 0xff;
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) }).end(body);
      return true;
    });
    const cache = await ScanCache.open(join(tmp, 'cache-tamper'));
    try {
      const error = await errorOf(scan(`registry://${proxy.host}/stella/debian-node:1`, { cache }));
      expect(error.code).toBe('DIGEST_MISMATCH');
      expect(error.message).toContain(tampered);
      expect(await cache.targets()).toEqual([]);
      const stats = cache.stats();
      // The three good layers are kept; the tampered one and the image are not.
      expect(stats.entries).toBe(3);
      const honest = await startProxy(registry.host);
      try {
        await scan(`registry://${honest.host}/stella/debian-node:1`, { cache });
        expect(honest.requests.filter((r) => r.path.includes('/blobs/')).map((r) => r.path.replace(/^.*\/blobs\//, ''))).toContain(tampered);
      } finally {
        await honest.close();
      }
    } finally {
      await cache.close();
      await proxy.close();
    }
  }, 120_000);

  it('cuts off a blob that runs past its declared size', async () => {
    const layer = archiveReport.target.layers?.[2]?.digest ?? '';
    const proxy = await startProxy(registry.host, async (request, response, upstream) => {
      if (!(request.url ?? '').endsWith(`/blobs/${layer}`)) return false;
      const body = Buffer.concat([(await upstream()).body, Buffer.alloc(1 << 20)]);
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) }).end(body);
      return true;
    });
    try {
      const error = await errorOf(scan(`registry://${proxy.host}/stella/debian-node:1`));
      expect(error.code).toBe('DIGEST_MISMATCH');
      expect(error.message).toContain('the blob is longer than the 252 bytes its descriptor declares');
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('refuses a redirect to plain http on a host that is not loopback', async () => {
    const proxy = await startProxy(registry.host, async (request, response) => {
      if (!(request.url ?? '').includes('/blobs/')) return false;
      response.writeHead(307, { location: `http://192.0.2.10/storage${request.url ?? ''}` }).end();
      return true;
    });
    try {
      const error = await errorOf(scan(`registry://${proxy.host}/stella/debian-node:1`));
      expect(error.code).toBe('INSECURE_REGISTRY');
      expect(error.message).toContain('refusing plain http to 192.0.2.10');
    } finally {
      await proxy.close();
    }
  }, 60_000);

  // stella scan loads the repository, key and policy once the target is read, or 2 s into a longer
  // read (agent/cli/commands/scan.ts): a slow pull must still end on a broken policy within seconds.
  it('stella scan of a slow pull ends on a broken policy with a one-line error, exit 2, the blob not read whole', async () => {
    const layer = archiveReport.target.layers?.[0]?.digest ?? '';
    let size = 0;
    let sent = 0;
    const proxy = await startProxy(registry.host, async (request, response, upstream) => {
      if (!(request.url ?? '').endsWith(`/blobs/${layer}`)) return false;
      const { body } = await upstream();
      size = body.length;
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
      let closed = false;
      response.on('close', () => void (closed = true));
      // About 1 MiB/s: the whole blob would take most of a minute.
      for (let at = 0; at < size && !closed; at += 64 << 10) {
        response.write(body.subarray(at, at + (64 << 10)));
        sent = Math.min(size, at + (64 << 10));
        await new Promise((resolve) => setTimeout(resolve, 60));
      }
      response.end();
      return true;
    });
    const root = join(tmp, 'slow-pull');
    await mkdir(join(root, 'home'), { recursive: true });
    const badPolicy = join(root, 'bad-policy.yaml');
    await writeFile(badPolicy, 'rules: [\n');
    try {
      const result = await runStella(['scan', '--policy', badPolicy, `registry://${proxy.host}/stella/debian-node:1`], { env: cliEnv(root), cwd: root });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/bad-policy\.yaml: not valid YAML/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(size).toBeGreaterThan(0);
      expect(sent).toBeLessThan(size / 2);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});

describe('registry bearer-token auth', () => {
  let tokens: TokenServer;
  let secured: TestRegistry;

  beforeAll(async () => {
    tokens = await startTokenServer(tmp, 'scanner', 'pull-secret');
    // A second registry over the same storage, in token mode: it serves the images pushed above.
    secured = await startRegistry(join(tmp, 'secured'), storage, { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certFile });
  }, 60_000);
  afterAll(async () => {
    await secured.stop();
    await tokens.close();
  });

  it('answers the challenge: fetches a token for the scope with the credentials, and pulls', async () => {
    const report = await scan(`registry://${secured.host}/stella/debian-node:1`, { registry: { credentials: { username: 'scanner', password: 'pull-secret' } } });
    expect(JSON.stringify(report.components)).toBe(JSON.stringify(archiveReport.components));
    expect(tokens.requests.at(-1)).toEqual({ scope: 'repository:stella/debian-node:pull', service: tokens.service, authorized: true });
  }, 120_000);

  it('stella scan --cache takes the credentials from the config file and answers the rescan from the cache', async () => {
    const root = join(tmp, 'cli');
    await mkdir(join(root, 'home'), { recursive: true });
    const env = cliEnv(root);
    await writeFile(join(root, 'home', 'config.yaml'), `registries:\n  "${secured.host}": { username: scanner, password: pull-secret }\n`);
    const args = ['scan', '--format', 'json', '--cache', join(root, 'cache'), `registry://${secured.host}/stella/debian-node:1`];
    const first = await runStella(args, { env, cwd: root });
    expect(first.stderr).not.toContain('stella: ');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as { components: Array<{ purl: string }> };
    // The JSON document lists components in its own (purl) order.
    expect(report.components.map((c) => c.purl).sort()).toEqual(archiveReport.components.map((c) => c.purl).sort());
    const requests = tokens.requests.length;
    const second = await runStella(args, { env, cwd: root });
    expect(second.stdout).toBe(first.stdout);
    // The manifest is still asked for (a tag may move), so one token; no blob.
    expect(tokens.requests.length).toBe(requests + 1);
    const bad = await runStella(['scan', '--platform', 'linux', `registry://${secured.host}/stella/debian-node:1`], { env, cwd: root });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--platform linux: expected os/arch[/variant]');
  }, 120_000);

  it('fails with REGISTRY_AUTH when the token service refuses the credentials', async () => {
    const error = await errorOf(scan(`registry://${secured.host}/stella/debian-node:1`, { registry: { credentials: { username: 'scanner', password: 'wrong' } } }));
    expect(error.code).toBe('REGISTRY_AUTH');
    expect(error.message).toContain('answered HTTP 401');
  }, 60_000);

  it('does not follow a token realm on another host over plain http', async () => {
    const elsewhere = await startRegistry(join(tmp, 'elsewhere'), storage, { realm: 'http://192.0.2.10/token', service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certFile });
    try {
      const error = await errorOf(scan(`registry://${elsewhere.host}/stella/debian-node:1`, { registry: { credentials: { username: 'scanner', password: 'pull-secret' } } }));
      expect(error.code).toBe('REGISTRY_AUTH');
      expect(error.message).toContain('another host over plain http; refused');
    } finally {
      await elsewhere.stop();
    }
  }, 60_000);
});
