import { describe, expect, it } from 'vitest';
import { isLoopback, resolveServiceSettings } from './settings.js';

const HOME = { STELLA_HOME: '/srv/stella-home' };

describe('resolveServiceSettings', () => {
  it('defaults to 127.0.0.1:7480 and a data dir under STELLA_HOME', () => {
    expect(resolveServiceSettings({}, {}, HOME)).toEqual({ host: '127.0.0.1', port: 7480, dataDir: '/srv/stella-home/agent', queueMax: 100 });
  });

  it('takes the flag over the environment over the config file', () => {
    const config = { source: 'c.yaml', agent: { port: 9000, dataDir: '/from/file', queueMax: 5 } };
    expect(resolveServiceSettings({}, config, { ...HOME, STELLA_PORT: '8000', STELLA_DATA_DIR: '/from/env' })).toMatchObject({ port: 8000, dataDir: '/from/env', queueMax: 5 });
    expect(resolveServiceSettings({ port: '7000', dataDir: '/from/flag' }, config, { ...HOME, STELLA_PORT: '8000' })).toMatchObject({ port: 7000, dataDir: '/from/flag' });
  });

  it('refuses a non-loopback address without a token, and a short token', () => {
    expect(() => resolveServiceSettings({ host: '0.0.0.0' }, {}, HOME)).toThrow(/not a loopback address.*STELLA_AGENT_TOKEN/);
    expect(resolveServiceSettings({ host: '0.0.0.0' }, {}, { ...HOME, STELLA_AGENT_TOKEN: 'x'.repeat(32) })).toMatchObject({ host: '0.0.0.0', token: 'x'.repeat(32) });
    expect(resolveServiceSettings({ host: '10.0.0.1' }, { agent: { token: 'y'.repeat(20) } }, HOME).token).toBe('y'.repeat(20));
    expect(() => resolveServiceSettings({}, {}, { ...HOME, STELLA_AGENT_TOKEN: 'short' })).toThrow(/at least 16/);
  });

  it('refuses a bad port, an unknown agent setting', () => {
    expect(() => resolveServiceSettings({ port: '70000' }, {}, HOME)).toThrow(/--port: '70000'/);
    expect(() => resolveServiceSettings({}, { source: 'c.yaml', agent: { prot: 1 } }, HOME)).toThrow(/c.yaml: unknown agent setting "prot"/);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.2', false],
    ['127.example.com', false],
  ])('isLoopback(%s) is %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});
