import { describe, expect, it } from 'vitest';
import { readDecision } from './decision.js';

const W = 'p.tar.gz: policy.wasm';
const ok = { verdict: 'warn', reasons: ['one HIGH'], findings: [{ index: 1, verdict: 'warn', rule: 'high', reason: 'severity is HIGH' }] };
const answer = (result: unknown) => [{ result }];

describe('the stella/decision answer', () => {
  it('reads a well-formed answer', () => {
    const read = readDecision(answer(ok), 2, W);
    expect(read.verdict).toBe('warn');
    expect(read.reasons).toEqual(['one HIGH']);
    expect([...read.findings]).toEqual([[1, { verdict: 'warn', rule: 'high', reason: 'severity is HIGH' }]]);
  });

  it.each([
    [[], `${W}: stella/decision is undefined for this report (give it a default)`],
    [{}, `${W}: malformed stella/decision answer: the result set is not a list`],
    [[{ result: 1 }, { result: 2 }], `${W}: malformed stella/decision answer: expected one result`],
    [answer({ ...ok, verdict: 'error' }), `${W}: malformed stella/decision answer: verdict "error" is not one of pass, warn, fail`],
    [answer({ ...ok, reasons: 'x' }), `${W}: malformed stella/decision answer: reasons must be a list of at most 100 strings of at most 1000 characters`],
    [answer({ ...ok, findings: [{ index: 2, verdict: 'fail', reason: 'r' }] }), `${W}: malformed stella/decision answer: findings[0].index 2 is not the index of one of the report's 2 findings`],
    [answer({ ...ok, findings: [{ index: 0.5, verdict: 'fail', reason: 'r' }] }), `${W}: malformed stella/decision answer: findings[0].index 0.5 is not the index of one of the report's 2 findings`],
    [
      answer({ ...ok, findings: [{ index: 0, verdict: 'fail', reason: 'r' }, { index: 0, verdict: 'pass', reason: 'r' }] }),
      `${W}: malformed stella/decision answer: findings[1].index 0 is given twice`,
    ],
    [answer({ ...ok, findings: [{ index: 0, verdict: 'fail' }] }), `${W}: malformed stella/decision answer: findings[0].reason must be a non-empty string of at most 1000 characters`],
    [answer({ ...ok, findings: [{ index: 0, verdict: 'fail', reason: 'r', rule: 7 }] }), `${W}: malformed stella/decision answer: findings[0].rule must be a non-empty string`],
  ])('refuses %j', (resultSet, message) => {
    let thrown: unknown;
    try {
      readDecision(resultSet, 2, W);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'POLICY_ERROR', message });
  });
});
