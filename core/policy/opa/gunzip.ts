/**
 * Gunzips a whole pack in memory with the Web `DecompressionStream`, stopping
 * as soon as the output passes a bound, so a small pack that inflates to
 * gigabytes (a gzip bomb) costs no more than the bound.
 *
 * @example
 *   const tar = await gunzipBounded(pack, 64 << 20, 'policies/team.tar.gz');
 */
import { StellaError } from '../../errors.js';
import { concatBytes } from '../../archive/bytes.js';
import { bufferSource } from '../../sign/encoding.js';
import { formatSize } from './limits.js';

/** The gunzipped bytes of `gz`; GZIP_CORRUPT when it is not gzip, LIMIT_EXCEEDED past `maxBytes`. */
export async function gunzipBounded(gz: Uint8Array, maxBytes: number, where: string): Promise<Uint8Array> {
  if (gz.length < 2 || gz[0] !== 0x1f || gz[1] !== 0x8b) {
    throw new StellaError('GZIP_CORRUPT', `${where}: is not gzip-compressed (a policy pack is a .tar.gz, as \`opa build\` writes it)`);
  }
  const reader = new Blob([bufferSource(gz)]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) throw new StellaError('LIMIT_EXCEEDED', `${where}: unpacks to more than ${formatSize(maxBytes)}`);
      parts.push(value);
    }
  } catch (cause) {
    await reader.cancel().catch(() => undefined);
    if (cause instanceof StellaError) throw cause;
    throw new StellaError('GZIP_CORRUPT', `${where}: is not valid gzip (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
  return concatBytes(parts, total);
}
