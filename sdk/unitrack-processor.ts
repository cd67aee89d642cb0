import { diag } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { defaultRegistry } from '../cli/components.ts';
import { PipelineRecord } from '../model/record.ts';
import { type Counter, Telemetry } from '../model/telemetry.ts';
import { ConfigError } from '../pipeline/config/config-error.ts';
import { type ConfigInput, loadServiceConfig } from '../pipeline/config/load-config.ts';
import type { ServiceConfig } from '../pipeline/config/service-config.ts';
import { Service } from '../pipeline/service.ts';
import { installDiagLogger, reportSoon } from './diag-logger.ts';
import { registerExitDrain } from './exit-drain.ts';
import { sdkDisabled } from './otel-env.ts';
import { useGlobalLogger } from './state.ts';

export interface UnitrackProcessorOptions {
  /** A config file (or several, merged), a config object, or the embedded default. */
  config?: ConfigInput;
  /** Directory for component state; also fills `${env:UNITRACK_DATA_DIR}` in the config. Default `$UNITRACK_DATA_DIR`, else `./data`. */
  dataDir?: string;
  /** Records waiting for the processors before new ones are dropped. Default 16384. */
  ingestQueueSize?: number;
  telemetry?: Telemetry;
  /** Drain on SIGTERM and SIGINT (re-raising when unitrack is the only listener). Default true. */
  handleSignals?: boolean;
  /** Flush on `beforeExit` and drain on signals. Default true; initTracking drains its whole set-up itself. */
  drainOnExit?: boolean;
}

/** The newest processor not shut down: the pipeline the in-process groups API reads (sdk/groups.ts). */
let newest: UnitrackProcessor | undefined;

export function newestProcessor(): UnitrackProcessor | undefined {
  return newest;
}

/**
 * The whole unitrack pipeline as one LogRecordProcessor. `onEmit` copies the record (the SDK
 * freezes its own) into a bounded queue and returns; the pipeline runs on a later tick. The
 * config is read on the next turn, off the caller's stack (a broken one is reported then, at
 * start-up); the pipeline's files, ports and timers start with the first record: an application
 * that never tracks starts nothing.
 */
export class UnitrackProcessor implements LogRecordProcessor {
  readonly telemetry: Telemetry;
  readonly #options: UnitrackProcessorOptions;
  readonly #disabled: boolean;
  #config: ServiceConfig | undefined;
  #service: Service | undefined;
  #failed = false;
  #closed = false;
  /** Shutting down: no exit drain is registered again. */
  #stopping = false;
  #flushedAt = 0;
  #unregisterDrain: (() => void) | undefined;
  readonly #unstarted: Counter;
  readonly #refused: Counter;
  /** Records held while their resource's asynchronous attributes settle (see #hold). */
  #held: PipelineRecord[] = [];
  #settling: Promise<void> | undefined;
  /** Records this processor was handed, so track() can tell when its records go elsewhere. */
  received = 0;

  constructor(options: UnitrackProcessorOptions = {}) {
    this.#options = options;
    this.telemetry = options.telemetry ?? new Telemetry();
    this.#unstarted = this.telemetry.counter(
      'unitrack_sdk_unstarted_dropped_total',
      'Records dropped because the pipeline could not start.',
    );
    this.#refused = this.telemetry.counter('unitrack_ingest_refused_total', 'Records refused because the ingest queue was full.');
    newest = this;
    this.#disabled = sdkDisabled();
    // Reading and validating the config (YAML, every component's schema) takes tens of ms: on the next turn.
    if (!this.#disabled) setImmediate(() => this.#configure());
  }

  /** The config, read once; undefined (reported once) when it is broken. */
  #configure(): ServiceConfig | undefined {
    if (this.#config || this.#failed) return this.#config;
    try {
      // `dataDir` also fills ${env:UNITRACK_DATA_DIR}, so files named in the config follow it.
      const dataDir = this.#options.dataDir;
      const env = dataDir === undefined ? process.env : { ...process.env, UNITRACK_DATA_DIR: dataDir };
      this.#config = loadServiceConfig(this.#options.config, defaultRegistry(), env);
      for (const w of this.#config.warnings) reportSoon('warn', `unitrack: ${w}`);
    } catch (error) {
      this.#failed = true;
      // Later, so that a NodeSDK constructed right after this (and its logger) comes first.
      reportSoon('error', configFailure(this.#options.config, error));
    }
    return this.#config;
  }

  /** The running pipeline, started now if it was not yet; undefined when its config is broken. */
  get service(): Service | undefined {
    if (this.#service || this.#disabled || this.#closed) return this.#service;
    const config = this.#configure();
    if (!config) return undefined;
    try {
      installDiagLogger();
      this.#service = new Service(config, {
        mode: 'embedded',
        dataDir: this.#options.dataDir,
        ingestQueueSize: this.#options.ingestQueueSize,
        telemetry: this.telemetry,
      });
      this.#drainOnExit();
    } catch (error) {
      this.#failed = true;
      diag.error(
        `unitrack: the pipeline did not start, its records are dropped and counted (unitrack_sdk_unstarted_dropped_total): ${(error as Error).message}`,
      );
    }
    return this.#service;
  }

  onEmit(record: ReadWriteLogRecord): void {
    if (this.#disabled) return;
    this.received++;
    if (this.#failed || this.#closed) {
      this.#unstarted.add();
      return;
    }
    const copy = PipelineRecord.from(record);
    const service = this.#service;
    if (service && !this.#settling && !copy.resource.asyncAttributesPending) service.ingest([copy]);
    else this.#hold(copy);
  }

  /**
   * Records wait here, bounded like the ingest queue and in order, while the pipeline is built (on
   * a later turn: building it opens files and ports, which the first track() must not pay for on
   * the caller's stack) and while their resource's asynchronous attributes settle (a NodeSDK's
   * default detectors: processors that read the resource before then get a diag warning per read
   * and miss the detected attributes; the SDK's batch processor waits for them too).
   */
  #hold(record: PipelineRecord): void {
    if (this.#held.length >= (this.#options.ingestQueueSize ?? 16384)) {
      this.#refused.add();
      return;
    }
    this.#held.push(record);
    // Registered at once: a signal before the pipeline is built still drains what was held.
    this.#drainOnExit();
    this.#settling ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => record.resource.waitForAsyncAttributes?.())
      .catch(() => undefined)
      .then(() => {
        const held = this.#held;
        this.#held = [];
        this.#settling = undefined;
        const service = this.service;
        if (service) service.ingest(held);
        else this.#unstarted.add(held.length);
      });
  }

  /** From the first record on, the process's exit and signals drain this pipeline. */
  #drainOnExit(): void {
    if (this.#unregisterDrain || this.#stopping || this.#options.drainOnExit === false) return;
    this.#unregisterDrain = registerExitDrain({
      pending: () => this.received !== this.#flushedAt,
      flush: () => this.forceFlush(),
      shutdown: () => this.shutdown(),
      signals: this.#options.handleSignals !== false,
    });
  }

  /** Resolves once every record handed over so far is in the pipeline's queue. */
  async settled(): Promise<void> {
    while (this.#settling) await this.#settling;
  }

  async forceFlush(): Promise<void> {
    this.#flushedAt = this.received;
    await this.settled();
    await this.#service?.forceFlush();
  }

  async shutdown(): Promise<void> {
    if (newest === this) newest = undefined;
    this.#stopping = true;
    this.#unregisterDrain?.();
    this.#unregisterDrain = undefined;
    // What was handed over before shutdown reaches the pipeline, which then drains it.
    await this.settled();
    this.#closed = true;
    this.#flushedAt = this.received;
    await this.#service?.shutdown();
  }
}

/** One line naming the config and every problem in it. */
function configFailure(input: ConfigInput, error: unknown): string {
  const what =
    input === undefined
      ? 'the default config'
      : typeof input === 'string'
        ? input
        : Array.isArray(input)
          ? input.join(', ')
          : 'the config object';
  const problems =
    error instanceof ConfigError
      ? error.issues.map((i) => `${i.location ? `${i.location} ` : ''}${i.path ? `${i.path}: ` : ''}${i.message}`).join('; ')
      : (error as Error)?.message;
  return `unitrack: cannot use ${what}: ${problems}. Tracking is off: every event is dropped and counted (unitrack_sdk_unstarted_dropped_total).`;
}

/** The whole pipeline as one processor, for an existing NodeSDK or LoggerProvider. */
export function unitrackProcessor(config?: ConfigInput, options: Omit<UnitrackProcessorOptions, 'config'> = {}): UnitrackProcessor {
  const processor = new UnitrackProcessor({ ...options, config });
  useGlobalLogger(processor.telemetry.counter('unitrack_sdk_dropped_total', 'track() calls dropped for bad input.'), processor);
  return processor;
}
