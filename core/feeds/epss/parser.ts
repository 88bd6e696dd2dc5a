/**
 * The incremental EPSS parser: FIRST's daily file fed line by line or chunk
 * by chunk (a whole file is ~10 MB, so it never needs to be one string).
 *
 *   #model_version:v2023.03.01,score_date:2023-11-28T00:00:00+0000
 *   cve,epss,percentile
 *   CVE-1999-0001,0.01141,0.83725
 *
 * Every row is checked — a CVE id and two numbers in [0, 1] — and the
 * model version and score date are kept. A file without the header row is
 * refused (ADVISORY_INVALID); a bad row is skipped and counted.
 *
 * @example
 *   const parser = createEpssParser('epss_scores-2023-11-28.csv');
 *   for (const line of lines) parser.pushLine(line);
 *   const { scores, skipped } = parser.end();
 */
import { StellaError } from '../../errors.js';
import { isCveId } from '../kev/cve.js';
import { EpssScores, type EpssScore } from './scores.js';

/**
 * A parsed EPSS file.
 *
 * @example
 *   { modelVersion: 'v2023.03.01', scoreDate: '2023-11-28T00:00:00Z', scores: EpssScores(…), skipped: 0, warnings: [] }
 */
export interface EpssParse {
  /** From the comment line (`v2023.03.01`), when the file has one. */
  modelVersion?: string;
  /** The score date as RFC 3339 UTC (`2023-11-28T00:00:00Z`), when the file has a valid one. */
  scoreDate?: string;
  scores: EpssScores;
  /** Rows that could not be used (bad id, bad number, repeated CVE, wrong column count). */
  skipped: number;
  /** One line per problem (the first MAX_WARNINGS only). */
  warnings: string[];
}

/**
 * An incremental parser: feed it lines or chunks, then call `end()`.
 *
 * @example
 *   const parser = createEpssParser('epss.csv');
 *   parser.push('#model_version:v2023.03.01,score_date:2023-11-28T00:00:00+0000\ncve,epss,perc');
 *   parser.push('entile\nCVE-1999-0001,0.01141,0.83725\n');
 *   parser.end().scores.size; // 1
 */
export interface EpssParser {
  /** A chunk of text; lines may be split across chunks. */
  push(chunk: string): void;
  /** One whole line, without its line break. Use either this or `push` for one input, not both. */
  pushLine(line: string): void;
  /** Finishes (reading any unterminated last line) and returns the result. */
  end(): EpssParse;
}

/**
 * A garbage file could give one warning per line; the first few say enough.
 *
 * @example
 *   warnings.length <= MAX_WARNINGS; // true, however many rows were skipped
 */
export const MAX_WARNINGS = 50;

/**
 * The header row of every EPSS file since percentiles were added.
 *
 * @example
 *   lines[1] === EPSS_HEADER;
 */
export const EPSS_HEADER = 'cve,epss,percentile';

const COMMENT_PREFIX = '#model_version:';
/** Real rows are ~35 characters; a longer one is garbage, and must not grow a buffer without bound. */
const MAX_LINE_LENGTH = 1024;
const NUMBER_RE = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const SCORE_DATE_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
const TIME_RE = /^(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d$/;

/**
 * True when the first line of a file is an EPSS first line: the model
 * comment, or the header row (files from before the comment existed).
 *
 * @example
 *   isEpssCsv('#model_version:v2023.03.01,score_date:2023-11-28T00:00:00+0000'); // true
 *   isEpssCsv('cve,epss,percentile');                                             // true
 *   isEpssCsv('{"catalogVersion":"2025.08.25"');                                  // false
 */
export function isEpssCsv(firstLine: string): boolean {
  const line = clean(firstLine);
  return line.startsWith(COMMENT_PREFIX) || line.toLowerCase() === EPSS_HEADER;
}

/**
 * An incremental parser; `source` names the input in warnings and errors.
 *
 * @example
 *   const parser = createEpssParser('epss.csv');
 *   for (const line of lines) parser.pushLine(line);
 *   const { scores, skipped } = parser.end();
 */
export function createEpssParser(source: string): EpssParser {
  return new Parser(source);
}

/** A line without its CR (files written on Windows) or a byte-order mark. */
function clean(line: string): string {
  return line.replace(/^\uFEFF/, '').replace(/\r$/, '').trim();
}

type State = 'start' | 'header' | 'rows';

class Parser implements EpssParser {
  private readonly source: string;
  private state: State = 'start';
  private lineNo = 0;
  private pending = '';
  /** Set while discarding the rest of an over-long line. */
  private discarding = false;
  private modelVersion: string | undefined;
  private scoreDate: string | undefined;
  private readonly rows = new Map<string, EpssScore>();
  private skipped = 0;
  private readonly warnings: string[] = [];

  constructor(source: string) {
    this.source = source;
  }

  push(chunk: string): void {
    let start = 0;
    for (let newline = chunk.indexOf('\n'); newline !== -1; newline = chunk.indexOf('\n', start)) {
      const tail = chunk.slice(start, newline);
      start = newline + 1;
      if (this.discarding) {
        this.discarding = false;
        this.pending = '';
        continue;
      }
      const line = this.pending + tail;
      this.pending = '';
      this.pushLine(line);
    }
    if (this.discarding) return;
    this.pending += chunk.slice(start);
    if (this.pending.length > MAX_LINE_LENGTH) {
      // Count the line now; the rest of it, up to its newline, is dropped unread.
      this.lineNo += 1;
      this.skip(`line longer than ${MAX_LINE_LENGTH} characters`);
      this.pending = '';
      this.discarding = true;
    }
  }

  pushLine(raw: string): void {
    this.lineNo += 1;
    const line = clean(raw);
    if (line.length > MAX_LINE_LENGTH) return this.skip(`line longer than ${MAX_LINE_LENGTH} characters`);
    if (line === '') return;
    switch (this.state) {
      case 'start':
        if (line.startsWith('#')) {
          this.readComment(line);
          this.state = 'header';
          return;
        }
        this.state = 'header';
        return this.readHeader(line);
      case 'header':
        return this.readHeader(line);
      case 'rows':
        return this.readRow(line);
      default:
        throw new StellaError('INTERNAL', `${this.source}: unknown EPSS parser state ${JSON.stringify(this.state satisfies never)}`);
    }
  }

  end(): EpssParse {
    if (this.discarding) {
      this.discarding = false;
    } else if (this.pending !== '') {
      const last = this.pending;
      this.pending = '';
      this.pushLine(last);
    }
    if (this.state !== 'rows') {
      throw new StellaError('ADVISORY_INVALID', `${this.source}: not an EPSS file (no "${EPSS_HEADER}" header row)`);
    }
    const result: EpssParse = { scores: EpssScores.from(this.rows), skipped: this.skipped, warnings: [...this.warnings] };
    if (this.modelVersion !== undefined) result.modelVersion = this.modelVersion;
    if (this.scoreDate !== undefined) result.scoreDate = this.scoreDate;
    return result;
  }

  private readComment(line: string): void {
    for (const field of line.slice(1).split(',')) {
      const colon = field.indexOf(':');
      const key = colon === -1 ? field.trim() : field.slice(0, colon).trim();
      const value = colon === -1 ? '' : field.slice(colon + 1).trim();
      if (key === 'model_version' && value !== '') this.modelVersion = value;
      else if (key === 'score_date') {
        this.scoreDate = scoreDate(value);
        if (this.scoreDate === undefined) this.warn(`${this.source}:${this.lineNo}: score_date "${value.slice(0, 40)}" is not a date-time; ignored`);
      }
    }
  }

  private readHeader(line: string): void {
    if (line.toLowerCase() !== EPSS_HEADER) {
      throw new StellaError('ADVISORY_INVALID', `${this.source}:${this.lineNo}: not an EPSS file (expected "${EPSS_HEADER}", found "${line.slice(0, 60)}")`);
    }
    this.state = 'rows';
  }

  private readRow(line: string): void {
    const fields = line.split(',');
    if (fields.length !== 3) return this.skip(`expected 3 fields, found ${fields.length}`);
    const [cve = '', epssText = '', percentileText = ''] = fields.map((field) => field.trim());
    if (!isCveId(cve)) return this.skip(`"${cve.slice(0, 40)}" is not a CVE id`);
    const epss = probability(epssText);
    const percentile = probability(percentileText);
    if (epss === undefined) return this.skip(`${cve}: epss "${epssText.slice(0, 40)}" is not a number in [0, 1]`);
    if (percentile === undefined) return this.skip(`${cve}: percentile "${percentileText.slice(0, 40)}" is not a number in [0, 1]`);
    // The first wins, so the result does not depend on how the file was chunked.
    if (this.rows.has(cve)) return this.skip(`${cve} is listed twice`);
    this.rows.set(cve, { epss, percentile });
  }

  private skip(problem: string): void {
    this.skipped += 1;
    this.warn(`${this.source}:${this.lineNo}: row skipped: ${problem}`);
  }

  private warn(warning: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(warning);
  }
}

function probability(text: string): number | undefined {
  if (!NUMBER_RE.test(text)) return undefined;
  const value = Number(text);
  return value >= 0 && value <= 1 ? value : undefined;
}

/** `2023-11-28T00:00:00+0000` → `2023-11-28T00:00:00Z`; undefined when not a real date-time. */
function scoreDate(text: string): string | undefined {
  const match = SCORE_DATE_RE.exec(text);
  if (match === null) return undefined;
  const [, date = '', time = '', zone = 'Z'] = match;
  if (!isCalendarDate(date) || !TIME_RE.test(time)) return undefined;
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const ms = Date.parse(`${date}T${time}${offset}`);
  return Number.isNaN(ms) ? undefined : `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function isCalendarDate(date: string): boolean {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const time = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2023-02-30 over into March: a round trip catches it.
  return time.getUTCFullYear() === year && time.getUTCMonth() === month - 1 && time.getUTCDate() === day;
}
