#!/usr/bin/env node
// Fails when vitest's JSON report (--reporter=json --outputFile.json=FILE)
// counts any skipped, pending or todo test: a test that cannot run must fail,
// never pass silently. Prints the counts either way.
//   node scripts/check-no-skipped.mjs FILE
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/check-no-skipped.mjs VITEST_JSON_REPORT');
  process.exit(2);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const counts = {
  total: report.numTotalTests,
  passed: report.numPassedTests,
  failed: report.numFailedTests,
  skipped: report.numSkippedTests ?? 0,
  pending: report.numPendingTests ?? 0,
  todo: report.numTodoTests ?? 0,
};
console.log(`tests: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`);
const notRun = counts.skipped + counts.pending + counts.todo;
if (notRun > 0) {
  const names = report.testResults.flatMap((file) => file.assertionResults.filter((a) => ['skipped', 'pending', 'todo'].includes(a.status)).map((a) => `  ${file.name}: ${a.fullName}`));
  console.error(`${notRun} tests did not run; every test must run (install its tool, or make it fail with a message):\n${names.join('\n')}`);
  process.exit(1);
}
