/**
 * Validates a CycloneDX JSON document against the strict JSON schema of its
 * own specVersion, with @cyclonedx/cyclonedx-library's validator (ajv). A
 * test helper, not core code: the validator reads its schema files from disk
 * and ajv compiles them with `new Function`, so it runs only on Node — and
 * nothing at run time needs it, which keeps ajv a devDependency.
 */
import { JsonStrictValidator } from '@cyclonedx/cyclonedx-library/Validation';
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';
import { StellaError } from '../../core/errors.js';
import { printable } from '../../core/json/untrusted.js';

/** First error of an ajv result, on one line. */
function firstError(error: unknown): string {
  const first: unknown = Array.isArray(error) ? error[0] : error;
  if (typeof first === 'object' && first !== null) {
    const { instancePath, message, params } = first as { instancePath?: unknown; message?: unknown; params?: unknown };
    const detail = params !== undefined && typeof params === 'object' ? ` ${JSON.stringify(params)}` : '';
    return printable(`${typeof instancePath === 'string' && instancePath !== '' ? instancePath : '/'} ${String(message)}${detail}`, 300);
  }
  return printable(String(first), 300);
}

/**
 * Throws SBOM_INVALID naming the first violation.
 *
 * @example await validateCycloneDx(buildCycloneDx(input)); // resolves: valid
 */
export async function validateCycloneDx(json: string | object, label = 'CycloneDX document'): Promise<void> {
  const text = typeof json === 'string' ? json : JSON.stringify(json);
  let specVersion: unknown;
  try {
    specVersion = (JSON.parse(text) as { specVersion?: unknown }).specVersion;
  } catch (cause) {
    throw new StellaError('SBOM_INVALID', `${label}: not JSON`, { cause });
  }
  const version = Object.values(Spec.Version).find((v) => v === specVersion);
  if (version === undefined) throw new StellaError('SBOM_INVALID', `${label}: unknown CycloneDX specVersion ${JSON.stringify(printable(String(specVersion), 20))}`);
  let error: unknown;
  try {
    error = await new JsonStrictValidator(version).validate(text);
  } catch (cause) {
    // Missing optional dependency (ajv) or a spec version without a JSON schema.
    throw new StellaError('INTERNAL', `${label}: CycloneDX validator unavailable: ${printable(cause instanceof Error ? cause.message : String(cause))}`, { cause });
  }
  if (error !== null && error !== undefined) throw new StellaError('SBOM_INVALID', `${label}: not valid CycloneDX ${version}: ${firstError(error)}`);
}
