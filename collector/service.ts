import { diag } from '@opentelemetry/api';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { ExportQueue } from '../exporters/export-queue.ts';
import { BatchProcessor } from '../processors/batch/batch-processor.ts';
import type { Host, IngestSink, Receiver } from './component.ts';
import type { ServiceConfig } from './config/service-config.ts';
import { CopyingStage, Fanout } from './fanout.ts';
import { GuardedProcessor } from './guarded-processor.ts';
import { IngestQueue } from './ingest-queue.ts';
import type { PipelineRecord } from './record.ts';
import { Telemetry } from './telemetry.ts';

export interface ServiceOptions {
  /** `embedded`: no receiver opens a port, the SDK feeds pipelines with an `otlp` receiver. Default embedded. */
  mode?: 'embedded' | 'collector';
  /** Default directory for component state. Default `$UNITRACK_DATA_DIR`, else `./data`. */
  dataDir?: string;
  /** Records waiting for the processors before input is refused. Default 16384. */
  ingestQueueSize?: number;
  /** Input is refused while any exporter queue is at least this full (0..1). Default 0.9. */
  refuseAtExportFill?: number;
  telemetry?: Telemetry;
}

/**
 * The pipeline engine: builds the graph of a validated config (receivers → processors →
 * connectors → exporters), runs records through it, and drains it on shutdown.
 */
export class Service implements IngestSink {
  readonly host: Host;
  readonly telemetry: Telemetry;
  readonly queue: IngestQueue;
  readonly #config: ServiceConfig;
  readonly #exportQueues = new Map<string, ExportQueue>();
  readonly #connectors = new Map<string, LogRecordProcessor>();
  readonly #pipelineEntries = new Map<string, LogRecordProcessor>();
  /** Each pipeline's processors, front to back. */
  readonly #processors = new Map<string, LogRecordProcessor[]>();
  readonly #receivers = new Map<string, Receiver>();
  /** Processors that hold records and send them on later (batch): what they hold still reaches the exporters. */
  readonly #holders: BatchProcessor[] = [];
  readonly #sdkEntry: LogRecordProcessor | undefined;
  readonly #refuseAt: number;
  #stopped = false;

  constructor(config: ServiceConfig, options: ServiceOptions = {}) {
    this.#config = config;
    this.telemetry = options.telemetry ?? new Telemetry();
    this.#refuseAt = options.refuseAtExportFill ?? 0.9;
    const reported = new Set<string>();
    const errors = this.telemetry;
    this.host = {
      mode: options.mode ?? 'embedded',
      telemetry: this.telemetry,
      dataDir: options.dataDir ?? process.env.UNITRACK_DATA_DIR ?? 'data',
      shared: new Map(),
      reportError(componentId, error) {
        errors.counter('unitrack_component_errors_total', 'Errors reported by components.', { component: componentId }).add();
        const message = error instanceof Error ? error.message : String(error);
        const key = `${componentId}:${message}`;
        if (reported.has(key)) return;
        if (reported.size < 1000) reported.add(key);
        diag.error(`unitrack: ${componentId}: ${message}`);
      },
    };
    this.queue = new IngestQueue(this.telemetry, options.ingestQueueSize);
    this.telemetry.gauge('unitrack_process_resident_memory_bytes', 'Resident memory of this process.', () => process.memoryUsage.rss());

    // Exporters first (each behind its own queue), then pipelines from the ends back.
    for (const [id, c] of config.exporters) {
      try {
        const exporter = c.factory.create({ id, config: c.config, host: this.host });
        const q = (c.config as { sending_queue?: { queue_size?: number; batch_size?: number } }).sending_queue;
        this.#exportQueues.set(id, new ExportQueue(id, exporter, this.telemetry, { queueSize: q?.queue_size, batchSize: q?.batch_size }));
      } catch (error) {
        // A destination that fails to start is reported; the others keep working.
        this.host.reportError(id, error);
      }
    }
    for (const pid of config.pipelines.keys()) this.#buildPipeline(pid, new Set());

    const sdkPipelines = [...config.pipelines.values()].filter((p) =>
      p.receivers.some((r) => config.receivers.get(r)?.factory.type === 'otlp'),
    );
    this.#sdkEntry = sdkPipelines.length ? this.#fanoutTo(sdkPipelines.map((p) => p.id)) : undefined;
  }

  #fanoutTo(pipelineIds: readonly string[]): LogRecordProcessor {
    const targets = pipelineIds.map((pid) => ({
      stage: this.#pipelineEntries.get(pid) as LogRecordProcessor,
      mutates: (this.#config.pipelines.get(pid)?.processors.length ?? 0) > 0,
    }));
    return targets.length === 1 ? targets[0].stage : new Fanout(targets);
  }

  #buildPipeline(pid: string, building: Set<string>): LogRecordProcessor {
    const existing = this.#pipelineEntries.get(pid);
    if (existing) return existing;
    building.add(pid);
    const p = this.#config.pipelines.get(pid);
    if (!p) throw new Error(`unknown pipeline ${pid}`);
    const sinks: { stage: LogRecordProcessor; mutates: boolean }[] = [];
    for (const ex of p.exporters) {
      const queue = this.#exportQueues.get(ex);
      if (queue) sinks.push({ stage: queue, mutates: false });
      else if (this.#config.connectors.has(ex)) sinks.push({ stage: this.#buildConnector(ex, building), mutates: false });
    }
    let stage: LogRecordProcessor = sinks.length === 1 ? sinks[0].stage : new Fanout(sinks);
    const stages: LogRecordProcessor[] = [];
    for (let i = p.processors.length - 1; i >= 0; i--) {
      const id = p.processors[i];
      const c = this.#config.processors.get(id);
      if (!c) continue;
      try {
        const inner = c.factory.create({ id, config: c.config, host: this.host }, stage);
        if (inner instanceof BatchProcessor) this.#holders.push(inner);
        const processor = new GuardedProcessor(id, inner, this.host);
        stages.unshift(processor);
        stage = processor;
      } catch (error) {
        // A processor that cannot start is skipped, not fatal: records still flow.
        this.host.reportError(id, error);
      }
    }
    this.#pipelineEntries.set(pid, stage);
    this.#processors.set(pid, stages);
    building.delete(pid);
    return stage;
  }

  #buildConnector(id: string, building: Set<string>): LogRecordProcessor {
    const existing = this.#connectors.get(id);
    if (existing) return existing;
    const c = this.#config.connectors.get(id);
    if (!c) throw new Error(`unknown connector ${id}`);
    const routes = new Map<string, LogRecordProcessor>();
    for (const p of this.#config.pipelines.values()) {
      if (!p.receivers.includes(id) || building.has(p.id)) continue;
      const entry = this.#buildPipeline(p.id, building);
      routes.set(p.id, p.processors.length > 0 ? new CopyingStage(entry) : entry);
    }
    const connector = new GuardedProcessor(id, c.factory.create({ id, config: c.config, host: this.host }, routes), this.host);
    this.#connectors.set(id, connector);
    return connector;
  }

  /** The entry for records from a receiver: every pipeline that lists it. */
  entryFor(receiverId: string): LogRecordProcessor | undefined {
    const pids = [...this.#config.pipelines.values()].filter((p) => p.receivers.includes(receiverId)).map((p) => p.id);
    return pids.length ? this.#fanoutTo(pids) : undefined;
  }

  /**
   * Records the pipeline can still take without an exporter queue overflowing, assuming (to be
   * safe) that every record queued for the processors, or held by one (a batch about to be sent
   * on at once), reaches every exporter.
   */
  #headroom(): number {
    let upstream = this.queue.size;
    for (const h of this.#holders) upstream += h.size;
    let room = this.queue.capacity - this.queue.size;
    for (const q of this.#exportQueues.values()) room = Math.min(room, Math.floor(q.capacity * this.#refuseAt) - q.size - upstream);
    return room;
  }

  /** True while input should be refused (429/503): there is no headroom left. */
  get saturated(): boolean {
    return this.#headroom() <= 0;
  }

  /** Nothing waits for the processors, in a batch or in front of an exporter. */
  #idle(): boolean {
    if (this.queue.size !== 0) return false;
    for (const h of this.#holders) if (h.size !== 0) return false;
    for (const q of this.#exportQueues.values()) if (!q.idle) return false;
    return true;
  }

  /** Whether a receiver may take a batch of `n`; a batch larger than any queue is taken once all is idle. */
  #admits(n: number): boolean {
    if (n <= this.#headroom()) return true;
    if (!this.#idle() || n > this.queue.capacity) return false;
    // Taken, so it must not be lost: let it past the capacity of the queues it may overflow.
    for (const q of this.#exportQueues.values()) q.allowBurst(n);
    return true;
  }

  /** Records from the embedded SDK: they enter every pipeline with an `otlp` receiver. */
  ingest(records: PipelineRecord[]): boolean {
    if (!this.#sdkEntry || this.#stopped) return false;
    if (records.length === 1) return this.queue.push(records[0], this.#sdkEntry);
    return this.queue.pushAll(records, this.#sdkEntry);
  }

  /** Opens the receivers (collector mode only; embedded receivers take the SDK's records). */
  async start(): Promise<void> {
    if (this.host.mode !== 'collector') return;
    for (const [id, c] of this.#config.receivers) {
      const entry = this.entryFor(id);
      if (!entry) continue;
      const queue = this.queue;
      const service = this;
      // The size of this receiver's last batch: while the pipeline has less room than that, the
      // next one would most likely be refused after decoding, so it is refused (or waits) before.
      let expected = 1;
      const sink: IngestSink = {
        ingest: (records) => {
          if (records.length > 0) expected = records.length;
          return !service.#stopped && service.#admits(records.length) && queue.pushAll(records, entry);
        },
        get saturated() {
          const room = service.#headroom();
          // A batch larger than every queue is still taken once all is idle (see #admits).
          return room <= 0 || (room < expected && !service.#idle());
        },
      };
      const receiver = c.factory.create({ id, config: c.config, host: this.host }, sink);
      await receiver.start();
      this.#receivers.set(id, receiver);
    }
  }

  /** Running receivers by id (collector mode). */
  get receivers(): ReadonlyMap<string, Receiver> {
    return this.#receivers;
  }

  /** Runs every accepted record through the processors and exporters, then flushes them. */
  async forceFlush(): Promise<void> {
    this.queue.drain();
    for (const pid of this.#config.pipelines.keys()) {
      await this.#pipelineEntries.get(pid)?.forceFlush();
      this.queue.drain();
    }
    await Promise.all([...this.#exportQueues.values()].map((q) => q.forceFlush()));
  }

  /** Stops receivers, drains every queue, then shuts processors and exporters down. */
  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    await Promise.allSettled([...this.#receivers.values()].map((r) => r.shutdown()));
    await this.forceFlush();
    this.#stopped = true;
    // Front to back, sources before the pipelines they feed: what a stage emits as it shuts down
    // (summaries, held batches) still flows through live stages.
    for (const pid of this.#upstreamFirst()) for (const p of this.#processors.get(pid) ?? []) await p.shutdown();
    await this.forceFlush();
    await Promise.allSettled([...this.#exportQueues.values()].map((q) => q.shutdown()));
  }

  #upstreamFirst(): string[] {
    const order: string[] = [];
    const seen = new Set<string>();
    const visit = (pid: string): void => {
      if (seen.has(pid)) return;
      seen.add(pid);
      for (const ex of this.#config.pipelines.get(pid)?.exporters ?? []) {
        if (!this.#config.connectors.has(ex)) continue;
        for (const p of this.#config.pipelines.values()) if (p.receivers.includes(ex)) visit(p.id);
      }
      order.push(pid);
    };
    for (const pid of this.#config.pipelines.keys()) visit(pid);
    return order.reverse();
  }

  get warnings(): readonly string[] {
    return this.#config.warnings;
  }
}
