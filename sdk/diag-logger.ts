import { inspect } from 'node:util';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { otelLogLevel } from '../pipeline/log-level.ts';
import { isRegistered } from './otel-globals.ts';

function write(message: string, ...args: unknown[]): void {
  const rest = args.map((a) => (typeof a === 'string' ? a : inspect(a, { breakLength: Number.POSITIVE_INFINITY, depth: 3 })));
  process.stderr.write(`${[message, ...rest].join(' ')}\n`);
}

/** Every level on stderr, one line a message (the API's console logger prints info and debug on stdout). */
const stderrLogger: DiagLogger = { error: write, warn: write, info: write, debug: write, verbose: write };

/**
 * Installs unitrack's stderr logger at `OTEL_LOG_LEVEL` (default warn) when the application has
 * registered none, so that what unitrack reports through `diag` is heard. An application's own
 * logger (or a NodeSDK's, set from OTEL_LOG_LEVEL) is left as it is. True when installed.
 */
export function installDiagLogger(): boolean {
  if (isRegistered('diag')) return false;
  const { level, warning } = otelLogLevel();
  if (level === DiagLogLevel.NONE) return false;
  diag.setLogger(stderrLogger, { logLevel: level, suppressOverrideMessage: true });
  if (warning) diag.warn(warning);
  return true;
}

/** Says `message` through diag on a later turn, after the application had its chance to set a logger. */
export function reportSoon(level: 'error' | 'warn', message: string): void {
  setImmediate(() => {
    installDiagLogger();
    diag[level](message);
  });
}
