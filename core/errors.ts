/**
 * The one error type of Stella Mesh. Every failure that reaches a person
 * carries a stable string `code` (for programs), a one-line `message` that
 * names the input and the problem (for people), and optional `data`.
 *
 * Recognise errors by shape (`isStellaError`), never by `instanceof`: errors
 * cross process, Worker and Git boundaries as JSON.
 *
 * @example
 *   throw new StellaError('TAR_CORRUPT', `${input}: tar header checksum mismatch at offset 1024`);
 */
export type StellaErrorCode =
  // input that cannot be used at all
  | 'USAGE'
  | 'NOT_FOUND'
  | 'UNSUPPORTED_TARGET'
  | 'TAR_CORRUPT'
  | 'GZIP_CORRUPT'
  | 'LIMIT_EXCEEDED'
  | 'IMAGE_INVALID'
  | 'DIGEST_MISMATCH'
  | 'JSON_INVALID'
  | 'SBOM_INVALID'
  | 'VEX_INVALID'
  | 'ZIP_INVALID'
  | 'ADVISORY_INVALID'
  | 'VERSION_INVALID'
  | 'PATH_UNSAFE'
  // registries (pulling images) and the scan cache
  | 'REGISTRY_UNREACHABLE'
  | 'REGISTRY_REFUSED'
  | 'REGISTRY_AUTH'
  | 'INSECURE_REGISTRY'
  | 'CACHE_UNAVAILABLE'
  // state repository and trust
  | 'REPO_NOT_FOUND'
  | 'REPO_EXISTS'
  | 'REPO_INVALID'
  | 'KEY_NOT_FOUND'
  | 'KEY_NOT_ENROLLED'
  | 'SIGNATURE_INVALID'
  | 'VERIFY_FAILED'
  | 'CONFIG_INVALID'
  // policies: refused when loaded, or failed while evaluating (the target's verdict is then `error`)
  | 'POLICY_INVALID'
  | 'POLICY_ERROR'
  | 'WRITE_FAILED'
  // the agent service
  | 'QUEUE_FULL'
  | 'INTERNAL';

export class StellaError extends Error {
  readonly code: StellaErrorCode;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: StellaErrorCode, message: string, options?: { cause?: unknown; data?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StellaError';
    this.code = code;
    this.data = options?.data;
  }

  toJSON(): { code: StellaErrorCode; message: string; data?: Record<string, unknown> } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** True for anything shaped like a StellaError, including one revived from JSON. */
export function isStellaError(value: unknown): value is { code: StellaErrorCode; message: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** A one-line description of any thrown value, for warnings and CLI errors. */
export function describeError(error: unknown): string {
  if (error instanceof Error || isStellaError(error)) return error.message.split('\n')[0] ?? String(error);
  return String(error);
}
