/**
 * Messages for people on a terminal, JSON lines for machines otherwise.
 * Everything goes to stderr; stdout carries only the command's output
 * (a report, an SBOM), so it can be piped.
 *
 * @example
 *   const log = createLogger();
 *   log.warn('app/package-lock.json: not valid JSON', { file: 'app/package-lock.json' });
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  readonly json: boolean;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  stream?: NodeJS.WriteStream;
  /** JSON lines; default: when the stream is not a terminal. */
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const json = options.json ?? !stream.isTTY;
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (options.quiet === true && level !== 'error') return;
    if (level === 'debug' && options.verbose !== true) return;
    if (json) {
      stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })}\n`);
    } else {
      const prefix = level === 'info' ? '' : `${level}: `;
      stream.write(`${prefix}${message}\n`);
    }
  };
  return {
    json,
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}
