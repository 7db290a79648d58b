/** Structured JSON logs, one line per event, with the request id. Never pass tokens or message content. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** `LOG_LEVEL` from the environment; an unknown value is `info` rather than a crash at start. */
export const logLevelFrom = (value: string | undefined): LogLevel => (value && value in order ? (value as LogLevel) : 'info');

export class Logger {
  constructor(
    private readonly level: LogLevel = 'info',
    private readonly context: Record<string, unknown> = {},
  ) {}

  child(context: Record<string, unknown>): Logger {
    return new Logger(this.level, { ...this.context, ...context });
  }

  private write(level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>): void {
    if (order[level] < order[this.level]) return;
    const line = JSON.stringify({ timestamp: new Date().toISOString(), level, message, ...this.context, ...fields });
    (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(`${line}\n`);
  }

  debug = (message: string, fields?: Record<string, unknown>) => this.write('debug', message, fields);
  info = (message: string, fields?: Record<string, unknown>) => this.write('info', message, fields);
  warn = (message: string, fields?: Record<string, unknown>) => this.write('warn', message, fields);
  error = (message: string, fields?: Record<string, unknown>) => this.write('error', message, fields);
}

export const errorFields = (error: unknown): Record<string, unknown> =>
  error instanceof Error ? { errorName: error.name, errorMessage: error.message, stack: error.stack } : { error: String(error) };
