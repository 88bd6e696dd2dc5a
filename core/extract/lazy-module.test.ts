import { describe, expect, it } from 'vitest';
import { lazyModule } from './lazy-module.js';

describe('lazyModule', () => {
  it('loads nothing until first called, then once for every caller', async () => {
    let loads = 0;
    const library = { parse: (text: string) => text.length };
    const load = lazyModule('the test parser', () => {
      loads += 1;
      return Promise.resolve(library);
    });
    expect(loads).toBe(0);
    const [a, b] = await Promise.all([load('a.lock'), load('b.lock')]);
    expect(await load('c.lock')).toBe(library);
    expect(a).toBe(library);
    expect(b).toBe(library);
    expect(loads).toBe(1);
  });

  it('a failed load rejects with INTERNAL naming the file and the library, keeping the cause', async () => {
    let loads = 0;
    const cause = new Error("Cannot find package 'yaml'\n    at resolve (node:internal)");
    const load = lazyModule('the YAML parser (yaml)', () => {
      loads += 1;
      return Promise.reject(cause);
    });
    const first = await load('app/pnpm-lock.yaml').catch((error: unknown) => error);
    expect(first).toMatchObject({
      code: 'INTERNAL',
      message: "app/pnpm-lock.yaml: the YAML parser (yaml) could not be loaded (Cannot find package 'yaml'); the installation is incomplete, reinstall stella",
      cause,
    });
    // The failure is kept: a second file gets the same cause under its own name, without a second load.
    await expect(load('yarn.lock')).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/^yarn\.lock: the YAML parser \(yaml\) could not be loaded/), cause });
    expect(loads).toBe(1);
  });

  it('a loader that throws at once rejects too, so callers see one kind of failure', async () => {
    const load = lazyModule('the XML parser', () => {
      throw new TypeError('no dynamic import here');
    });
    const pending = load('pom.xml');
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toMatchObject({ code: 'INTERNAL', message: 'pom.xml: the XML parser could not be loaded (no dynamic import here); the installation is incomplete, reinstall stella' });
  });
});
