// Changes one advisory (a newer `modified` and summary), imports it — one
// shard changes — and reports how long the index took to follow.
// Usage: node bench/index-update-once.mjs REPO HOME RECORD_JSON  →  {ms, shardsChanged}
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importOsv } from '../dist/agent/feeds/import-osv.js';
import { loadKey } from '../dist/agent/repo/keystore.js';
import { openStateRepo } from '../dist/agent/repo/state-repo.js';

const [repoDir, home, recordFile] = process.argv.slice(2);
const repo = await openStateRepo(repoDir);
const key = await loadKey(home, repo.signingKeyId);
const record = JSON.parse(readFileSync(recordFile, 'utf8'));
record.modified = new Date(Date.parse(record.modified) + 86_400_000 * (1 + Math.floor(Math.random() * 1000))).toISOString();
record.summary = `${record.summary ?? ''} (updated)`;
const folder = mkdtempSync(join(tmpdir(), 'stella-bench-rec-'));
const file = join(folder, `${record.id}.json`);
writeFileSync(file, JSON.stringify(record));
const summary = await importOsv(repo, [file], { key });
rmSync(folder, { recursive: true, force: true });
console.log(JSON.stringify({ ms: summary.index.elapsedMs, shardsChanged: summary.index.shardsChanged, rssMB: process.resourceUsage().maxRSS / 1024 }));
