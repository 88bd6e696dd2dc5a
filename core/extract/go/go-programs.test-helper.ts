/**
 * Real Go binaries for the tests, built once per test file with the Go
 * toolchain from Debian's `golang-go` package, offline. One program uses
 * only the standard library (built for four architectures: both word sizes
 * and both byte orders, stripped, position-independent, without a build ID,
 * and linked by the system linker with and without one); the other has
 * vendored dependencies, one replaced by another module and one by a local
 * directory, so `dep` and `=>` lines come from the real linker.
 *
 * @example
 *   const programs = goProgramsForThisFile();
 *   it('reads app', () => readGoBuildInfo(programs().binary('app')));
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { cacheRoot } from '../../../test/helpers/paths.js';

/** The architectures the std-only program is built for. */
export const ARCHES = ['amd64', '386', 's390x', 'mips'] as const;

const sources: Record<string, Record<string, string>> = {
  hello: {
    'go.mod': 'module example.com/hello\n\ngo 1.18\n',
    'main.go': 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n',
  },
  app: {
    'go.mod': [
      'module example.com/app',
      'go 1.18',
      'require (',
      '\texample.com/lib v1.2.3',
      '\texample.com/old v0.1.0',
      '\texample.com/local v0.0.0',
      ')',
      'replace example.com/old v0.1.0 => example.com/new v0.2.0',
      'replace example.com/local => ./local',
      '',
    ].join('\n'),
    'main.go': 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/lib"\n\t"example.com/local"\n\t"example.com/old"\n)\n\nfunc main() { fmt.Println(lib.Name(), old.Name(), local.Name()) }\n',
    'local/go.mod': 'module example.com/local\n\ngo 1.18\n',
    'local/local.go': 'package local\n\nfunc Name() string { return "local" }\n',
    'vendor/example.com/lib/lib.go': 'package lib\n\nfunc Name() string { return "lib" }\n',
    'vendor/example.com/old/old.go': 'package old\n\nfunc Name() string { return "new" }\n',
    'vendor/example.com/local/local.go': 'package local\n\nfunc Name() string { return "local" }\n',
    // What `go mod vendor` writes; vendoring is what lets the build run without a module proxy.
    'vendor/modules.txt': [
      '# example.com/lib v1.2.3',
      '## explicit',
      'example.com/lib',
      '# example.com/old v0.1.0 => example.com/new v0.2.0',
      '## explicit',
      'example.com/old',
      '# example.com/local v0.0.0 => ./local',
      '## explicit',
      'example.com/local',
      '# example.com/local => ./local',
      '',
    ].join('\n'),
  },
};

/** The built binaries, the toolchain, and a way to run it. */
export interface GoPrograms {
  /** The toolchain's version, as `go env GOVERSION` prints it (`go1.19.8`). */
  goVersion: string;
  /** Every binary by name: `hello-<arch>`, `hello-stripped`, `hello-pie`, `hello-nobuildid`, `hello-external`, `hello-external-nobuildid`, `app`. */
  binaries: ReadonlyMap<string, Uint8Array>;
  binary(name: string): Uint8Array;
  /** The file a binary was built into. */
  path(name: string): string;
  /** Runs `go` with the tests' offline environment. */
  go(args: string[], cwd?: string): string;
  dispose(): void;
}

/** Builds the programs (see the module comment); fails, naming the package, without the toolchain. */
export function buildGoPrograms(): GoPrograms {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    throw new TypeError('these tests need the Go toolchain: install Debian\'s "golang-go" package (apt-get install golang-go)');
  }
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new TypeError('these tests link Go binaries with the system linker: install Debian\'s "gcc" and "libc6-dev" packages');
  }
  const work = mkdtempSync(join(tmpdir(), 'stella-gobin-'));
  const go = (args: string[], cwd = work, env: Record<string, string> = {}): string =>
    execFileSync('go', args, {
      cwd,
      encoding: 'utf8',
      env: {
        ...process.env,
        GOCACHE: join(cacheRoot, 'go-build'),
        GOPATH: join(work, 'gopath'),
        GOFLAGS: '-mod=vendor',
        GOPROXY: 'off',
        GOTOOLCHAIN: 'local',
        CGO_ENABLED: '0',
        GOOS: 'linux',
        ...env,
      },
    });
  for (const [program, files] of Object.entries(sources)) {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(work, program, file)), { recursive: true });
      writeFileSync(join(work, program, file), text);
    }
  }
  const binaries = new Map<string, Uint8Array>();
  const path = (name: string): string => join(work, 'out', name);
  const build = (name: string, program: string, env: Record<string, string>, flags: string[] = []): void => {
    go(['build', '-trimpath', ...flags, '-o', path(name), '.'], join(work, program), env);
    binaries.set(name, readFileSync(path(name)));
  };
  for (const arch of ARCHES) build(`hello-${arch}`, 'hello', { GOARCH: arch });
  const amd64 = { GOARCH: 'amd64' };
  build('hello-stripped', 'hello', amd64, ['-ldflags=-s -w']);
  build('hello-pie', 'hello', amd64, ['-buildmode=pie']);
  build('hello-nobuildid', 'hello', amd64, ['-ldflags=-buildid=']);
  // The system linker (gcc) lays the sections out its own way: the build info is not at the start of the data segment.
  const external = { GOARCH: 'amd64', CGO_ENABLED: '1' };
  build('hello-external', 'hello', external, ['-ldflags=-linkmode=external']);
  build('hello-external-nobuildid', 'hello', external, ['-ldflags=-linkmode=external -buildid=']);
  build('app', 'app', amd64);
  return {
    goVersion: go(['env', 'GOVERSION']).trim(),
    binaries,
    binary: (name) => {
      const bytes = binaries.get(name);
      if (bytes === undefined) throw new TypeError(`binary ${name} was not built`);
      return bytes;
    },
    path,
    go: (args, cwd) => go(args, cwd),
    dispose: () => rmSync(work, { recursive: true, force: true }),
  };
}

/**
 * Builds the programs before this test file's tests and removes them after;
 * the returned function gives them to a test (it throws outside one).
 *
 * @example
 *   const programs = goProgramsForThisFile();
 *   it('…', () => expect(readGoBuildInfo(programs().binary('app')).$case).toBe('go'));
 */
export function goProgramsForThisFile(): () => GoPrograms {
  let builds: GoPrograms | undefined;
  beforeAll(() => {
    builds = buildGoPrograms();
  }, 300_000);
  afterAll(() => builds?.dispose());
  return () => {
    if (builds === undefined) throw new TypeError('the Go programs were not built');
    return builds;
  };
}
