#!/usr/bin/env node
// Copies into examples/advisories/ the real OSV records from osv.dev-layout
// zips that name a package of the sample image (npm packages listed in
// IMAGES_DIR/info/debian-node.npm.tsv), unchanged, so the README demo runs
// offline on real advisories. Their source and licence are in examples/NOTICE.
//
// Usage: node scripts/make-sample-advisories.mjs IMAGES_DIR NPM_ALL_ZIP OUT_DIR
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';

const [imagesDir, zipPath, outDir] = process.argv.slice(2);
if (!imagesDir || !zipPath || !outDir) {
  console.error('usage: make-sample-advisories.mjs IMAGES_DIR NPM_ALL_ZIP OUT_DIR');
  process.exit(2);
}
const names = new Set(
  readFileSync(join(imagesDir, 'info', 'debian-node.npm.tsv'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t')[0].split('node_modules/').pop()),
);
mkdirSync(outDir, { recursive: true });
let kept = 0;
for (const [name, bytes] of Object.entries(unzipSync(readFileSync(zipPath)))) {
  const record = JSON.parse(Buffer.from(bytes).toString('utf8'));
  if ((record.affected ?? []).some((a) => a.package?.ecosystem === 'npm' && names.has(a.package.name))) {
    writeFileSync(join(outDir, name), bytes);
    kept += 1;
  }
}
console.log(`${kept} advisories written to ${outDir}`);
