// The compiler's half of the layer check. `types: []` in core/tsconfig.json
// keeps @types/node out of core's automatic type roots, but not out of its
// program: any package whose own types say `/// <reference types="node" />`
// (yauzl's, tar-stream's, …) brings Buffer and process back as globals, and
// then a Node global in core/ type-checks again. So we ask the compiler which
// files each Web-standard part's program really holds.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const NODE_TYPES = 'node_modules/@types/node/index.d.ts';

/** Blocks of `--explainFiles`: a file name line followed by indented reasons. */
function explanations(output) {
  const blocks = new Map();
  let current;
  for (const line of output.split('\n')) {
    if (line === '') continue;
    if (!line.startsWith(' ')) blocks.set(line, (current = []));
    else current?.push(line.trim());
  }
  return blocks;
}

/** Follows "referenced/imported from file X" back to a file of the project. */
function chainTo(blocks, file) {
  const chain = [file];
  for (let step = 0; step < 8 && chain.at(-1).includes('node_modules/'); step += 1) {
    const from = (blocks.get(chain.at(-1)) ?? []).map((r) => /from file '([^']+)'/.exec(r)?.[1]).find((f) => f !== undefined && !chain.includes(f));
    if (from === undefined) break;
    chain.push(from);
  }
  return chain.reverse();
}

/**
 * Problems for each project (`core`, `edge`) whose program contains Node's
 * types, each naming the chain of files that brought them in.
 *
 * @param {string} root project root (holds node_modules/.bin/tsc)
 * @param {string[]} parts folders with a tsconfig.json that must stay free of Node
 * @returns {string[]}
 */
export function nodeTypesProblems(root, parts) {
  const problems = [];
  for (const part of parts) {
    const run = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(part, 'tsconfig.json'), '--noEmit', '--explainFiles'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (run.error) throw run.error;
    const blocks = explanations(run.stdout);
    // Paths are relative to the root, or outside it when node_modules is a symlink.
    const nodeTypes = [...blocks.keys()].find((file) => file === NODE_TYPES || file.endsWith(`/${NODE_TYPES}`));
    if (nodeTypes === undefined) continue;
    const chain = chainTo(blocks, nodeTypes).map((file) => file.replace(/^.*\/(?=node_modules\/)/, ''));
    problems.push(`${part}/tsconfig.json: Node's types (@types/node) are visible to ${part}/, through ${chain.join(' → ')}`);
  }
  return problems;
}
