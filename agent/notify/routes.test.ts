import { describe, expect, it } from 'vitest';
import { parseNotifyRoutes } from './routes.js';

const parse = (routes: string) => parseNotifyRoutes(`version: 1\nnotify:\n  routes:\n${routes}`, 'stella.yaml');

describe('notify routes in stella.yaml', () => {
  it('reads a route with its defaults', () => {
    expect(parse('    - name: sec\n      type: webhook\n      url: https://hooks.example.com/x\n      secret-env: SECRET\n')).toEqual([
      { name: 'sec', type: 'webhook', url: { $case: 'value', value: 'https://hooks.example.com/x' }, secretEnv: 'SECRET', digestMs: 0, on: ['fail', 'kev'] },
    ]);
    expect(parse('    - name: chat\n      type: slack\n      url-env: SLACK_URL\n      digest: 2h\n      on: [kev]\n')[0]).toMatchObject({ url: { $case: 'env', name: 'SLACK_URL' }, digestMs: 7_200_000, on: ['kev'] });
    expect(parseNotifyRoutes('version: 1\n', 'stella.yaml')).toEqual([]);
  });

  it.each([
    ['    - name: sec\n      type: webhook\n      url: https://h.example/x\n', 'stella.yaml: notify.routes[0] a webhook route needs secret-env (the variable holding its HMAC secret)'],
    ['    - name: sec\n      type: pager\n      url: https://h.example/x\n', 'stella.yaml: notify.routes[0].type must be one of webhook, slack, teams'],
    ['    - name: sec\n      type: slack\n      url: https://h.example/x\n      colour: red\n', "stella.yaml: notify.routes[0] unknown field 'colour' (known: name, type, url, url-env, secret-env, digest, on)"],
    ['    - name: sec\n      type: slack\n      url: ftp://h.example/x\n', 'stella.yaml: notify.routes[0].url must be an http(s) URL'],
    ['    - name: sec\n      type: slack\n      url: https://h.example/x\n      digest: soon\n', "stella.yaml: notify.routes[0].digest must be 0 or a duration like '30s', '15m', '2h'"],
    ['    - name: sec\n      type: slack\n      url: https://h.example/x\n      on: [pass]\n', 'stella.yaml: notify.routes[0].on unknown trigger "pass" (known: fail, kev)'],
    ['    - name: sec\n      type: slack\n', 'stella.yaml: notify.routes[0] needs exactly one of url and url-env'],
    ['    - name: a\n      type: slack\n      url: https://h.example/x\n    - name: a\n      type: teams\n      url: https://h.example/y\n', "stella.yaml: notify.routes two routes are named 'a'"],
  ])('refuses %j', (routes, message) => {
    expect(() => parse(routes)).toThrow(message);
  });
});
