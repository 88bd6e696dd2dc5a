/**
 * A library an extractor needs only for some files, loaded the first time
 * one of those files is parsed. Importing the registry must stay cheap: a
 * scan starts by loading every extractor, and the parser libraries behind
 * a few formats (YAML, TOML, XML) cost more start-up time than the rest of
 * the extractors together, while most targets hold none of those files.
 *
 * An extractor that uses one returns a Promise from `extract`; it must take
 * what it needs from `contents` (decode the text) before awaiting the
 * library, since the caller may reuse the buffer once `extract` returns.
 *
 * @example
 *   const loadYaml = lazyModule('the YAML parser (yaml)', () => import('yaml'));
 *   async function extract({ path, contents }: ExtractInput): Promise<ExtractResult> {
 *     const text = new TextDecoder().decode(contents); // before the first await
 *     const { parseDocument } = await loadYaml(path);
 *     …
 *   }
 */
import { StellaError, describeError } from '../errors.js';

/**
 * Resolves to the loaded library. `file` is the file that needs it, named
 * in the error when the library cannot be loaded.
 *
 * @example
 *   const { parse } = await loadToml('app/Cargo.lock');
 */
export type LazyModule<T> = (file: string) => Promise<T>;

/**
 * Wraps `load` (usually `() => import('package')`) so that it runs on the
 * first call only; every later call gets the same library. A failed load
 * is kept too: the module system caches a module that failed to evaluate,
 * so trying again would give the same failure. Each call rejects with a
 * StellaError INTERNAL that names its own file and `what` was being loaded.
 *
 * @example
 *   const loadXml = lazyModule('the XML parser (fast-xml-parser)', () => import('fast-xml-parser'));
 *   await loadXml('app/pom.xml'); // imports fast-xml-parser
 *   await loadXml('lib/pom.xml'); // the same module, not imported again
 */
export function lazyModule<T>(what: string, load: () => Promise<T>): LazyModule<T> {
  let loading: Promise<T> | undefined;
  return (file) => {
    // Through `then`, so a loader that throws at once also becomes a rejection.
    loading ??= Promise.resolve().then(load);
    return loading.catch((error: unknown) => {
      throw new StellaError('INTERNAL', `${file}: ${what} could not be loaded (${describeError(error)}); the installation is incomplete, reinstall stella`, { cause: error });
    });
  };
}
