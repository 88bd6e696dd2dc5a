/**
 * CycloneDX JSON (1.2–1.7): the components, nested ones flattened, plus the
 * subject's name. Everything else (services, vulnerabilities, formulation)
 * is ignored.
 */
import { StellaError } from '../errors.js';
import type { ComponentCollector } from './collect.js';
import { printable } from '../json/untrusted.js';

/** JSON exists for CycloneDX 1.2 onwards; 1.7 adds fields, not a new component shape. */
export const CYCLONEDX_VERSIONS: readonly string[] = ['1.2', '1.3', '1.4', '1.5', '1.6', '1.7'];

type JsonRecord = Record<string, unknown>;

/**
 * True for a JSON object (not null, not an array).
 * @example isRecord({}) // true; isRecord([]) // false
 */
export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a parsed CycloneDX document into `collector`. Throws SBOM_INVALID
 * for an unsupported specVersion.
 *
 * @example readCycloneDx('bom.json', JSON.parse(text), collector) // { specVersion: '1.6', name: 'my-app' }
 */
export function readCycloneDx(label: string, doc: JsonRecord, collector: ComponentCollector): { specVersion: string; name?: string } {
  const specVersion = doc['specVersion'];
  if (typeof specVersion !== 'string' || !CYCLONEDX_VERSIONS.includes(specVersion)) {
    const shown = typeof specVersion === 'string' ? JSON.stringify(printable(specVersion, 20)) : 'missing';
    throw new StellaError('SBOM_INVALID', `${label}: CycloneDX specVersion ${shown} is not supported (JSON 1.2 to 1.7)`);
  }
  const version = doc['version'];
  // A 1,000,000-digit "version" parses to Infinity; it numbers BOM revisions and we do not need it.
  if (version !== undefined && !(Number.isSafeInteger(version) && (version as number) >= 1)) {
    collector.warn('BOM "version" is not a positive integer; ignored');
  }

  // Breadth-first over an explicit queue: no recursion, and the nesting is
  // already capped before parsing, so the queue holds at most every component once.
  const queue: { list: unknown; where: string }[] = [{ list: doc['components'], where: 'components' }];
  const metadata = doc['metadata'];
  const subject = isRecord(metadata) ? metadata['component'] : undefined;
  if (isRecord(subject)) queue.push({ list: subject['components'], where: 'metadata.component.components' });
  // Indexed, not shift(): shifting a queue of a million lists would be quadratic.
  for (let i = 0; i < queue.length; i++) {
    const { list, where } = queue[i]!;
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      collector.warn(`${where} is not an array; ignored`);
      continue;
    }
    list.forEach((component: unknown, index) => {
      const at = `${where}[${index}]`;
      if (!isRecord(component)) return collector.warn(`${at} is not an object; skipped`);
      collector.add(at, component['purl'], component['name'], component['version']);
      if (component['components'] !== undefined) queue.push({ list: component['components'], where: `${at}.components` });
    });
  }

  const name = isRecord(subject) && typeof subject['name'] === 'string' ? subject['name'] : undefined;
  return name === undefined ? { specVersion } : { specVersion, name: printable(name, 256) };
}
