/**
 * FIRST's daily EPSS file (`epss_scores-YYYY-MM-DD.csv`, served gzipped)
 * in and out. Parsing is `parser.ts`'s, fed from a string or a stream;
 * decompression is the caller's (a Web `DecompressionStream('gzip')` in
 * front of `parseEpssStream` does it).
 *
 * `formatEpssCsv` writes the same format back in canonical form (rows in
 * CVE order, numbers in their shortest form), which is how the state
 * repository keeps it; `parseEpssCsv` reads that back.
 *
 * @example
 *   const { scores, modelVersion } = parseEpssCsv(text, 'epss_scores-2023-11-28.csv');
 *   scores.get('CVE-2023-4863'); // { epss: 0.37531, percentile: 0.97073 }
 *   formatEpssCsv({ modelVersion, scores }); // '#model_version:…\ncve,epss,percentile\nCVE-…'
 */
import { createEpssParser, EPSS_HEADER, type EpssParse } from './parser.js';
import type { EpssScores } from './scores.js';

/**
 * Where EPSS scores live in the state repository.
 *
 * @example
 *   await store.readFile(commit, EPSS_FEED_PATH);
 */
export const EPSS_FEED_PATH = 'feeds/epss/scores.csv';

/**
 * Parses a whole EPSS file held in memory.
 *
 * @example
 *   parseEpssCsv('cve,epss,percentile\nCVE-2021-44228,0.97565,0.99996\n', 'epss.csv').scores.size; // 1
 */
export function parseEpssCsv(input: string | Uint8Array, source: string): EpssParse {
  const parser = createEpssParser(source);
  parser.push(typeof input === 'string' ? input : new TextDecoder().decode(input));
  return parser.end();
}

/**
 * Parses an EPSS file from a stream of bytes, chunk by chunk.
 *
 * @example
 *   const response = await fetch('https://epss.cyentia.com/epss_scores-current.csv.gz');
 *   const { scores } = await parseEpssStream(response.body.pipeThrough(new DecompressionStream('gzip')), 'epss');
 */
export async function parseEpssStream(stream: ReadableStream<Uint8Array>, source: string): Promise<EpssParse> {
  const parser = createEpssParser(source);
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
  } finally {
    reader.releaseLock();
  }
  return parser.end();
}

/**
 * The canonical text of a set of scores: the comment line (when a model
 * version or score date is known), the header, then one row per CVE in CVE
 * order with numbers in their shortest exact form. Valid EPSS input itself.
 *
 * @example
 *   formatEpssCsv({ modelVersion: 'v2023.03.01', scoreDate: '2023-11-28T00:00:00Z', scores });
 *   // '#model_version:v2023.03.01,score_date:2023-11-28T00:00:00+0000\ncve,epss,percentile\nCVE-1999-0001,0.01141,0.83725\n…'
 */
export function formatEpssCsv(data: { modelVersion?: string; scoreDate?: string; scores: EpssScores }): string {
  const lines: string[] = [];
  const meta: string[] = [];
  if (data.modelVersion !== undefined) meta.push(`model_version:${data.modelVersion}`);
  // FIRST writes the offset as +0000; writing it the same way keeps a sorted FIRST file byte-identical.
  if (data.scoreDate !== undefined) meta.push(`score_date:${data.scoreDate.replace(/Z$/, '+0000')}`);
  if (meta.length > 0) lines.push(`#${meta.join(',')}`);
  lines.push(EPSS_HEADER);
  for (const [cve, score] of data.scores.entries()) lines.push(`${cve},${number(score.epss)},${number(score.percentile)}`);
  return `${lines.join('\n')}\n`;
}

/** Shortest round-trip form; JSON.stringify never writes `-0`. */
function number(value: number): string {
  return JSON.stringify(value);
}
