import { trackError } from './track.ts';

const FLUSH_TIMEOUT_MS = 2000;

/**
 * Tracks uncaught exceptions and unhandled rejections as critical events and flushes them. When
 * no other listener handles them, the process then fails as Node would have without us.
 */
export function installUncaughtCapture(flush: () => Promise<void>): () => void {
  const onError = (kind: 'uncaughtException' | 'unhandledRejection') => (error: unknown) => {
    trackError(kind === 'uncaughtException' ? 'uncaught_exception' : 'unhandled_rejection', error, {
      severity: 'critical',
      category: 'error',
      component: 'process',
    });
    const alone = process.listenerCount(kind) === 1;
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, FLUSH_TIMEOUT_MS).unref());
    void Promise.race([flush(), timeout]).finally(() => {
      if (!alone) return;
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
  };
  const uncaught = onError('uncaughtException');
  const rejection = onError('unhandledRejection');
  process.on('uncaughtException', uncaught);
  process.on('unhandledRejection', rejection);
  return () => {
    process.removeListener('uncaughtException', uncaught);
    process.removeListener('unhandledRejection', rejection);
  };
}
