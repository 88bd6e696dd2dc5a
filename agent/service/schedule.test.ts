import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { projectRoot } from '../../test/helpers/paths.js';
import { parseSchedule } from './schedule.js';

const FILE = 'nodes/edge-1/schedule.yaml';

describe('parseSchedule', () => {
  it('refuses an invalid cron expression and an unknown target with file and line, and keeps the rest', () => {
    const text = [
      'targets:', //                1
      '  web:', //                  2
      '    target: /srv/web.tar', // 3
      'scans:', //                  4
      '  - target: web', //         5
      '    cron: "0 */6 * * *"', // 6
      '    jitter: 30', //          7
      '  - target: web', //         8
      '    cron: "61 * * * *"', //  9
      '  - target: nope', //        10
      '    cron: "* * * * *"', //   11
      'pull:', //                   12
      '  cron: "not a cron"', //    13
      'push:', //                   14
      '  cron: "*/5 * * * *"', //   15
    ].join('\n');
    const schedule = parseSchedule(text, FILE);
    expect(schedule.scans).toEqual([{ name: 'web', target: '/srv/web.tar', commit: true, cron: '0 */6 * * *', jitter: 30, line: 5 }]);
    expect(schedule.push).toEqual({ cron: '*/5 * * * *', jitter: 0, line: 14 });
    expect(schedule.pull).toBeUndefined();
    expect(schedule.problems.map((p) => `${p.file}:${p.line}`)).toEqual([`${FILE}:8`, `${FILE}:10`, `${FILE}:12`]);
    expect(schedule.problems[0]?.message).toContain('invalid cron expression "61 * * * *"');
    expect(schedule.problems[1]?.message).toContain('unknown target "nope"');
  });

  it('refuses unknown fields, a bad jitter and a target without a path, each on its line', () => {
    const text = ['targets:', '  a:', '    target: /a', '  b:', '    commit: true', 'scans:', '  - target: a', '    cron: "* * * * *"', '    jitter: -1', '  - target: a', '    cron: "* * * * *"', '    every: day', 'other: 1'].join('\n');
    const schedule = parseSchedule(text, FILE);
    expect(schedule.scans).toEqual([]);
    expect(schedule.problems.map((p) => [p.line, p.message.split(':')[0]])).toEqual([
      [4, 'target b'],
      [7, 'scan of a'],
      [10, 'scan entry'],
      [13, 'unknown key "other" (known'],
    ]);
  });

  it('reports YAML that does not parse at its line, and an empty file as an empty schedule', () => {
    expect(parseSchedule('targets:\n  a: [unclosed\n', FILE).problems[0]).toMatchObject({ file: FILE, line: expect.any(Number), message: expect.stringContaining('not valid YAML') });
    expect(parseSchedule('', FILE)).toEqual({ scans: [], problems: [] });
  });

  it('the template example is valid against schemas/schedule.schema.json and loads without problems', async () => {
    const text = await readFile(join(projectRoot, 'state-repo-template', 'nodes', 'schedule.example.yaml'), 'utf8');
    const schema = JSON.parse(await readFile(join(projectRoot, 'schemas', 'schedule.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020.default({ strict: true }).compile(schema);
    expect(validate(YAML.parse(text)), JSON.stringify(validate.errors)).toBe(true);
    const schedule = parseSchedule(text, 'nodes/x/schedule.yaml');
    expect(schedule.problems).toEqual([]);
    expect(schedule.scans.map((s) => s.name)).toEqual(['web', 'base']);
    expect(schedule.scans[1]?.commit).toBe(false);
  });
});
