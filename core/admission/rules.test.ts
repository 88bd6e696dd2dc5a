/** The pure rules of admission: which refs may move, which tree entries are refused. */
import { describe, expect, it } from 'vitest';
import { branchOf } from './refs.js';
import { entryProblem, parseRawTree } from '../git/tree-hygiene.js';

describe('branchOf', () => {
  it('admits main and agents/<node>, locally or under a remote, and nothing else', () => {
    expect(branchOf('refs/heads/main')).toEqual({ $case: 'main' });
    expect(branchOf('refs/remotes/bundle/main')).toEqual({ $case: 'main' });
    expect(branchOf('refs/heads/agents/edge-1')).toEqual({ $case: 'agent', node: 'edge-1' });
    for (const ref of ['refs/tags/v1', 'refs/heads/release', 'refs/heads/agents/a/b', 'refs/heads/agents/..x', 'refs/heads/agents/x.lock', 'refs/notes/commits', 'HEAD']) {
      expect(branchOf(ref), ref).toBeUndefined();
    }
  });
});

describe('entryProblem', () => {
  it('refuses links, submodules and special names, case-insensitively for .git', () => {
    expect(entryProblem('100644', 'report.json')).toBeUndefined();
    expect(entryProblem('40000', 'findings')).toBeUndefined();
    expect(entryProblem('120000', 'x')).toMatch(/symbolic link/);
    expect(entryProblem('160000', 'x')).toMatch(/submodule/);
    for (const name of ['', '.', '..', '.git', '.GiT', 'a/b', 'a\\b']) expect(entryProblem('100644', name), name).toBeDefined();
  });

  it('reads raw tree bytes, names Git would never write included', () => {
    const oid = new Uint8Array(20).fill(0xab);
    const enc = new TextEncoder();
    const bytes = new Uint8Array([...enc.encode('100644 ..\0'), ...oid, ...enc.encode('40000 ok\0'), ...oid]);
    expect(parseRawTree(bytes)).toEqual([
      { mode: '100644', name: '..', oid: 'ab'.repeat(20) },
      { mode: '40000', name: 'ok', oid: 'ab'.repeat(20) },
    ]);
    expect(parseRawTree(bytes.subarray(0, 15)).at(-1)?.mode).toBe('damaged');
  });
});
