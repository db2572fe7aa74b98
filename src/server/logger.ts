import { writeSync } from 'node:fs';

/** How much the server logs: each level includes the ones after it. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Structured logs: one JSON object per line, with a time, a level, a message and fields. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Writes lines to standard output once per turn of the event loop rather than
 * once per line: under load, one write for many requests instead of one each.
 * Whatever is pending when the process exits is written before it does.
 */
function batchedStdout(): (line: string) => void {
  let pending: string[] = [];
  const flush = () => {
    const chunk = pending.join('');
    pending = [];
    process.stdout.write(chunk);
  };
  process.once('exit', () => {
    if (pending.length > 0) writeSync(1, pending.join(''));
  });
  return (line) => {
    if (pending.push(line) === 1) setImmediate(flush);
  };
}

/** A logger writing JSON lines at `level` and above to `write` (standard output unless a test listens). */
export function createLogger(level: LogLevel, write: (line: string) => void = batchedStdout()): Logger {
  const at =
    (entryLevel: LogLevel) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (RANK[entryLevel] < RANK[level]) return;
      const error = fields.error instanceof Error ? { error: fields.error.stack ?? fields.error.message } : {};
      write(`${JSON.stringify({ time: new Date().toISOString(), level: entryLevel, message, ...fields, ...error })}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
