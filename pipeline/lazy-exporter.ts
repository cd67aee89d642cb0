import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { Lifecycle } from './component.ts';

/** What the log and span exporters of OpenTelemetry JS have in common. */
export interface Exporter<T> {
  export(items: T[], done: (result: ExportResult) => void): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * An exporter whose implementation, and what it depends on (undici, gRPC, the OTLP exporters),
 * loads when it starts or first exports: a process whose config does not name it never loads
 * them. A failure to load or build (an unreadable TLS file) rejects start() and fails exports.
 */
export class LazyExporter<T> implements Exporter<T>, Lifecycle {
  readonly #load: () => Promise<Exporter<T>>;
  #inner: Promise<Exporter<T>> | undefined;

  constructor(load: () => Promise<Exporter<T>>) {
    this.#load = load;
  }

  #get(): Promise<Exporter<T>> {
    this.#inner ??= this.#load();
    return this.#inner;
  }

  async start(): Promise<void> {
    await this.#get();
  }

  export(items: T[], done: (result: ExportResult) => void): void {
    this.#get().then(
      (inner) => inner.export(items, done),
      (error: unknown) => done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    );
  }

  async forceFlush(): Promise<void> {
    if (this.#inner) await (await this.#inner).forceFlush?.();
  }

  async shutdown(): Promise<void> {
    if (!this.#inner) return;
    const inner = await this.#inner.catch(() => undefined);
    await inner?.shutdown();
  }
}
