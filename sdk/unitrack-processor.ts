import { diag } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { type ConfigInput, loadServiceConfig } from '../collector/config/load-config.ts';
import { PipelineRecord } from '../collector/record.ts';
import { Service } from '../collector/service.ts';
import { type Counter, Telemetry } from '../collector/telemetry.ts';
import { useGlobalLogger } from './state.ts';

export interface UnitrackProcessorOptions {
  /** A config file (or several, merged), a config object, or the embedded default. */
  config?: ConfigInput;
  /** Directory for component state; also fills `${env:UNITRACK_DATA_DIR}` in the config. Default `$UNITRACK_DATA_DIR`, else `./data`. */
  dataDir?: string;
  /** Records waiting for the processors before new ones are dropped. Default 16384. */
  ingestQueueSize?: number;
  telemetry?: Telemetry;
}

/** The newest processor not shut down: the pipeline the in-process groups API reads (sdk/groups.ts). */
let newest: UnitrackProcessor | undefined;

export function newestProcessor(): UnitrackProcessor | undefined {
  return newest;
}

/**
 * The whole unitrack pipeline as one LogRecordProcessor. `onEmit` copies the record (the SDK
 * freezes its own) into a bounded queue and returns; the pipeline runs on a later tick. The
 * pipeline is built on first use: an application that never tracks starts nothing.
 */
export class UnitrackProcessor implements LogRecordProcessor {
  readonly telemetry: Telemetry;
  readonly #options: UnitrackProcessorOptions;
  #service: Service | undefined;
  #failed = false;
  readonly #unstarted: Counter;
  /** Records this processor was handed, so track() can tell when its records go elsewhere. */
  received = 0;

  constructor(options: UnitrackProcessorOptions = {}) {
    this.#options = options;
    this.telemetry = options.telemetry ?? new Telemetry();
    this.#unstarted = this.telemetry.counter(
      'unitrack_sdk_unstarted_dropped_total',
      'Records dropped because the pipeline could not start.',
    );
    newest = this;
  }

  /** The running pipeline, started now if it was not yet; undefined when its config is broken. */
  get service(): Service | undefined {
    if (this.#service || this.#failed) return this.#service;
    try {
      // `dataDir` also fills ${env:UNITRACK_DATA_DIR}, so files named in the config follow it.
      const dataDir = this.#options.dataDir;
      const env = dataDir === undefined ? process.env : { ...process.env, UNITRACK_DATA_DIR: dataDir };
      const config = loadServiceConfig(this.#options.config, undefined, env);
      for (const w of config.warnings) diag.warn(`unitrack: ${w}`);
      this.#service = new Service(config, {
        mode: 'embedded',
        dataDir: this.#options.dataDir,
        ingestQueueSize: this.#options.ingestQueueSize,
        telemetry: this.telemetry,
      });
    } catch (error) {
      this.#failed = true;
      diag.error(`unitrack: the pipeline did not start, events are dropped and counted: ${(error as Error).message}`);
    }
    return this.#service;
  }

  onEmit(record: ReadWriteLogRecord): void {
    this.received++;
    const service = this.#service ?? this.service;
    if (!service) {
      this.#unstarted.add();
      return;
    }
    service.ingest([PipelineRecord.from(record)]);
  }

  async forceFlush(): Promise<void> {
    await this.#service?.forceFlush();
  }

  async shutdown(): Promise<void> {
    if (newest === this) newest = undefined;
    await this.#service?.shutdown();
  }
}

/** The whole pipeline as one processor, for an existing NodeSDK or LoggerProvider. */
export function unitrackProcessor(config?: ConfigInput, options: Omit<UnitrackProcessorOptions, 'config'> = {}): UnitrackProcessor {
  const processor = new UnitrackProcessor({ ...options, config });
  useGlobalLogger(processor.telemetry.counter('unitrack_sdk_dropped_total', 'track() calls dropped for bad input.'), processor);
  return processor;
}
