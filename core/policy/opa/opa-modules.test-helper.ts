/**
 * Builds OPA policy packs for tests from project-owned source: the WAT
 * module in fixtures/stella-decision.wat, compiled with Debian's wabt
 * (`wat2wasm`), and packed by GNU tar as `opa build` lays a bundle out
 * (`/.manifest`, `/data.json`, `/policy.wasm`, names with a leading `/`).
 * Misbehaving modules are the same source with one marked line replaced,
 * so each differs from the good one in exactly the way its name says.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const SOURCE = join(import.meta.dirname, 'fixtures', 'stella-decision.wat');

/** A module that differs from the good one by one line. */
export type Variant = 'good' | 'abi-1.1' | 'trap' | 'loop' | 'memory-hog' | 'memory-min' | 'abi-2' | 'no-entrypoint' | 'malformed';

/** Marker comment of the line to change, what to find in it and what to put instead. */
const EDITS: Record<Exclude<Variant, 'good'>, [marker: string, find: string, replace: string]> = {
  trap: ['EVAL', '(call $decide (local.get $input) (local.get $len))', '(unreachable)'],
  loop: ['EVAL', '(call $decide (local.get $input) (local.get $len))', '(loop $spin (br $spin)) (unreachable)'],
  'memory-hog': [
    'EVAL',
    '(call $decide (local.get $input) (local.get $len))',
    '(block $full (loop $more (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1))) (br $more))) (call $opa_abort (i32.const 1344)) (unreachable)',
  ],
  'memory-min': ['MEMORY', '(memory 2)', '(memory 40000)'],
  'abi-1.1': ['ABI-MINOR', '(i32.const 2)', '(i32.const 1)'],
  'abi-2': ['ABI-MAJOR', '(i32.const 1)', '(i32.const 2)'],
  'no-entrypoint': ['ENTRYPOINTS', 'stella/decision', 'stella/other'],
  malformed: ['EVAL', '(call $decide (local.get $input) (local.get $len))', '(i32.const 64)'],
};

/** The WAT text of a variant; throws when the marked line is not found (the test would prove nothing). */
export function variantSource(variant: Variant): string {
  const source = readFileSync(SOURCE, 'utf8');
  if (variant === 'good') return source;
  const [marker, find, replace] = EDITS[variant];
  const lines = source.split('\n');
  const at = lines.findIndex((line) => line.includes(`;; ${marker}`) && line.includes(find));
  if (at === -1) throw new Error(`stella-decision.wat: no line marked ${marker} containing ${find}`);
  lines[at] = (lines[at] ?? '').replace(find, replace);
  return lines.join('\n');
}

/** Compiles WAT text with wat2wasm. */
export function compileWat(wat: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'stella-wat-'));
  try {
    writeFileSync(join(dir, 'm.wat'), wat);
    execFileSync('wat2wasm', [join(dir, 'm.wat'), '-o', join(dir, 'm.wasm')], { stdio: ['ignore', 'ignore', 'pipe'] });
    return new Uint8Array(readFileSync(join(dir, 'm.wasm')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The files of a pack: name (without the leading `/`) → contents. */
export type PackFiles = Record<string, Uint8Array | string>;

/** The usual three files around `wasm`. */
export function bundleFiles(wasm: Uint8Array, data: unknown = {}): PackFiles {
  return {
    '.manifest': JSON.stringify({ revision: 'test', roots: [''], wasm: [{ entrypoint: 'stella/decision', module: '/policy.wasm' }] }),
    'data.json': JSON.stringify(data),
    'policy.wasm': wasm,
  };
}

/** A `.tar.gz` of `files` written by GNU tar in ustar format, names with OPA's leading `/`. */
export function packTarGz(files: PackFiles): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'stella-pack-'));
  try {
    const names = Object.keys(files).sort();
    for (const name of names) {
      mkdirSync(dirname(join(dir, 'in', name)), { recursive: true });
      writeFileSync(join(dir, 'in', name), files[name] ?? '');
    }
    const out = join(dir, 'bundle.tar.gz');
    const args = ['-P', '--transform', 's,^,/,', '--format=ustar', '--owner=0', '--group=0', '--numeric-owner', '-czf', out, '-C', join(dir, 'in'), ...names];
    execFileSync('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A whole pack for a variant. */
export function variantPack(variant: Variant): Uint8Array {
  return packTarGz(bundleFiles(compileWat(variantSource(variant))));
}
