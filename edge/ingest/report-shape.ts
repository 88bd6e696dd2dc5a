/**
 * The report schema's structure (`schemas/report.schema.json`), checked at
 * the edge before a report is stored: the members every report has and
 * the members every finding and component has, with their types. A Worker
 * carries no JSON Schema engine; this is the subset that keeps a malformed
 * report out of the state repository, and the agent's own schema tests keep
 * it in step with what `stella scan` writes.
 *
 * @example reportShapeProblems(JSON.parse(text)) // [] for a well-formed report
 */

type Kind = 'string' | 'number' | 'object' | 'array' | 'boolean';
type Shape = Record<string, Kind>;

const REPORT: Shape = { schema: 'string', tool: 'object', target: 'object', inputs: 'object', summary: 'object', coverage: 'object', components: 'array', findings: 'array', warnings: 'array' };
const TARGET: Shape = { kind: 'string', name: 'string', digest: 'string' };
const SUMMARY: Shape = { components: 'number', findings: 'number', severities: 'object' };
const COMPONENT: Shape = { purl: 'string', name: 'string', version: 'string', type: 'string' };
const FINDING: Shape = { id: 'string', aliases: 'array', purl: 'string', name: 'string', installed: 'string', severity: 'object' };

function kindOf(value: unknown): Kind | 'null' | 'other' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'object' || type === 'boolean' ? type : 'other';
}

function check(value: unknown, shape: Shape, where: string, problems: string[]): void {
  if (kindOf(value) !== 'object') {
    problems.push(`${where} must be an object`);
    return;
  }
  const object = value as Record<string, unknown>;
  for (const [name, kind] of Object.entries(shape)) {
    const actual = kindOf(object[name]);
    if (actual !== kind) problems.push(`${where}.${name} must be ${kind === 'array' ? 'an array' : `a ${kind}`}${object[name] === undefined ? ' (missing)' : ` (is ${actual})`}`);
  }
}

/**
 * Every way `value` departs from the report schema's required structure (at most 20).
 * @example reportShapeProblems({ schema: 'stella.report/v1' }) // ['report.tool must be an object (missing)', …]
 */
export function reportShapeProblems(value: unknown): string[] {
  const problems: string[] = [];
  check(value, REPORT, 'report', problems);
  if (problems.length > 0 && kindOf(value) !== 'object') return problems;
  const report = value as Record<string, unknown>;
  if (report['schema'] !== 'stella.report/v1') problems.push(`report.schema must be "stella.report/v1"`);
  if (kindOf(report['target']) === 'object') check(report['target'], TARGET, 'report.target', problems);
  if (kindOf(report['summary']) === 'object') check(report['summary'], SUMMARY, 'report.summary', problems);
  const lists: [string, Shape][] = [
    ['components', COMPONENT],
    ['findings', FINDING],
  ];
  for (const [name, shape] of lists) {
    const items = report[name];
    if (!Array.isArray(items)) continue;
    for (const [i, item] of items.entries()) {
      check(item, shape, `report.${name}[${i}]`, problems);
      if (problems.length >= 20) return problems;
    }
  }
  return problems.slice(0, 20);
}
