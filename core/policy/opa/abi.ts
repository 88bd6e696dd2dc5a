/**
 * The load-time check that a module speaks OPA's wasm ABI in a version we
 * evaluate, and asks for no more memory than we give. Run on the binary
 * before instantiation (see wasm-sections.ts), so a module that would be
 * refused never runs a single instruction.
 *
 * Supported: ABI 1.1 and 1.2, the versions `@open-policy-agent/opa-wasm`
 * 1.10 declares in its capabilities (1.2 adds the one-call `opa_eval`).
 *
 * @example
 *   const abi = checkOpaAbi(bytes, 'policies/team.tar.gz: policy.wasm', limits);
 *   abi.memory; // { initial: 2, maximum: 4096 } — the memory to import
 */
import { StellaError } from '../../errors.js';
import { formatSize, WASM_PAGE, type OpaLimits } from './limits.js';
import { readWasmShape, type WasmExport, type WasmKind, type WasmShape } from './wasm-sections.js';

/** What instantiation needs to know. */
export interface OpaAbi {
  minor: number;
  /** The memory to create and import as `env.memory`, in pages. */
  memory: { initial: number; maximum: number };
}

const SUPPORTED_MINORS = [1, 2];
/** What the host (opa-wasm) provides under `env`. */
const HOST_FUNCTIONS = new Set(['opa_abort', 'opa_println', 'opa_builtin0', 'opa_builtin1', 'opa_builtin2', 'opa_builtin3', 'opa_builtin4']);
const REQUIRED_FUNCTIONS = ['builtins', 'entrypoints', 'opa_malloc', 'opa_json_parse', 'opa_json_dump', 'opa_heap_ptr_get', 'opa_heap_ptr_set'];
const EVAL_CONTEXT = ['eval', 'opa_eval_ctx_new', 'opa_eval_ctx_set_input', 'opa_eval_ctx_set_data', 'opa_eval_ctx_set_entrypoint', 'opa_eval_ctx_get_result'];

/** Checks `bytes` (a module `WebAssembly.compile` accepted); refusals are POLICY_INVALID or LIMIT_EXCEEDED naming `where`. */
export function checkOpaAbi(bytes: Uint8Array, where: string, limits: OpaLimits): OpaAbi {
  const shape = readWasmShape(bytes);
  checkImports(shape, where);
  const minor = checkVersion(shape, where);
  for (const name of REQUIRED_FUNCTIONS) requireExport(shape, name, 'func', where);
  for (const name of minor >= 2 ? ['opa_eval'] : EVAL_CONTEXT) requireExport(shape, name, 'func', where);
  return { minor, memory: memoryFor(shape, where, limits) };
}

function checkImports(shape: WasmShape, where: string): void {
  for (const imp of shape.imports) {
    const name = `${imp.module}.${imp.name}`;
    if (imp.module === 'env' && imp.name === 'memory' && imp.kind === 'memory') continue;
    if (imp.module === 'env' && HOST_FUNCTIONS.has(imp.name) && imp.kind === 'func') continue;
    throw new StellaError('POLICY_INVALID', `${where}: imports ${name} (${imp.kind}), which the OPA wasm ABI does not provide`);
  }
}

function checkVersion(shape: WasmShape, where: string): number {
  const major = constantGlobal(shape, 'opa_wasm_abi_version', where);
  const minor = constantGlobal(shape, 'opa_wasm_abi_minor_version', where);
  if (major !== 1 || !SUPPORTED_MINORS.includes(minor)) {
    const supported = SUPPORTED_MINORS.map((m) => `1.${m}`).join(' and ');
    throw new StellaError('POLICY_INVALID', `${where}: speaks OPA wasm ABI ${major}.${minor}; supported: ${supported} (rebuild it with a current \`opa build -t wasm\`)`);
  }
  return minor;
}

function constantGlobal(shape: WasmShape, name: string, where: string): number {
  const exp = requireExport(shape, name, 'global', where);
  const value = shape.globalValue(exp.index);
  if (value === undefined) throw new StellaError('POLICY_INVALID', `${where}: exports ${name}, but not as a constant i32`);
  return value;
}

function requireExport(shape: WasmShape, name: string, kind: WasmKind, where: string): WasmExport {
  const exp = shape.exports.find((e) => e.name === name);
  if (exp === undefined) throw new StellaError('POLICY_INVALID', `${where}: does not export ${name}, so it is not an OPA wasm module`);
  if (exp.kind !== kind) throw new StellaError('POLICY_INVALID', `${where}: exports ${name} as a ${exp.kind}, not a ${kind}`);
  return exp;
}

/** The imported memory's size: at least what the module declares, at most our limit (or its own lower maximum). */
function memoryFor(shape: WasmShape, where: string, limits: OpaLimits): OpaAbi['memory'] {
  const memory = shape.imports.find((i) => i.kind === 'memory')?.memory;
  if (memory === undefined) throw new StellaError('POLICY_INVALID', `${where}: does not import its memory as env.memory, as an OPA module must`);
  if (memory.shared || memory.memory64) throw new StellaError('POLICY_INVALID', `${where}: asks for ${memory.shared ? 'shared' : '64-bit'} memory, which the OPA wasm ABI does not use`);
  const limitPages = Math.floor(limits.maxMemoryBytes / WASM_PAGE);
  if (memory.min > limitPages) {
    throw new StellaError('LIMIT_EXCEEDED', `${where}: asks for at least ${formatSize(memory.min * WASM_PAGE)} of memory, over the limit of ${formatSize(limitPages * WASM_PAGE)}`);
  }
  // opa-wasm reads an initial of 0 as "use its default of 5 pages", which could exceed a small maximum.
  return { initial: Math.max(memory.min, 1), maximum: Math.min(limitPages, memory.max ?? limitPages) };
}
