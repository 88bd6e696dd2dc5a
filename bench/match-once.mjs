// Matches N real components against the whole advisory index, in a fresh
// process. Components are real (ecosystem, package, version) triples taken
// from the shared advisories' own range boundaries, so most lookups hit.
// Usage: node bench/match-once.mjs REPO OSV_DIR N  →  {ms, rssMB, components, findings}
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { AdvisoryIndex } from '../dist/agent/index/advisory-index.js';
import { openStateRepo } from '../dist/agent/repo/state-repo.js';
import { matchComponents } from '../dist/core/match/matcher.js';

const [repoDir, osvDir, count] = process.argv.slice(2);
const N = Number(count);
const PURL_TYPE = { npm: 'npm', PyPI: 'pypi', Go: 'golang', 'crates.io': 'cargo', Maven: 'maven', RubyGems: 'gem', NuGet: 'nuget', Packagist: 'composer', CRAN: 'cran' };

function purlOf(ecosystem, name, version) {
  const type = PURL_TYPE[ecosystem];
  if (!type) return undefined;
  const enc = (s) => encodeURIComponent(s).replace(/%2F/g, '/');
  if (type === 'maven') {
    const [g, a] = name.split(':');
    return a ? `pkg:maven/${enc(g)}/${enc(a)}@${enc(version)}` : undefined;
  }
  if (type === 'npm' && name.startsWith('@')) return `pkg:npm/%40${enc(name.slice(1))}@${enc(version)}`;
  return `pkg:${type}/${enc(name)}@${enc(version)}`;
}

async function* records(zip) {
  const files = unzipSync(readFileSync(zip), { filter: (file) => file.name.endsWith('.json') });
  for (const bytes of Object.values(files)) yield JSON.parse(Buffer.from(bytes).toString('utf8'));
}

const components = [];
const seen = new Set();
outer: for (const eco of readdirSync(osvDir).sort()) {
  for await (const record of records(join(osvDir, eco, 'all.zip'))) {
    for (const affected of record.affected ?? []) {
      const pkg = affected.package;
      if (!pkg) continue;
      for (const range of affected.ranges ?? []) for (const event of range.events ?? []) {
        const version = event.introduced ?? event.fixed ?? event.last_affected;
        if (!version || version === '0') continue;
        const purl = purlOf(pkg.ecosystem, pkg.name, version);
        if (!purl || seen.has(purl)) continue;
        seen.add(purl);
        components.push({ purl, name: pkg.name, version, type: 'x' });
        if (components.length >= N) break outer;
      }
    }
  }
}
const repo = await openStateRepo(repoDir);
const index = await AdvisoryIndex.open(repo.cacheDir);
const started = performance.now();
const { findings } = await matchComponents(components, index);
const ms = performance.now() - started;
await index.close();
console.log(JSON.stringify({ ms, rssMB: process.resourceUsage().maxRSS / 1024, components: components.length, findings: findings.length }));
