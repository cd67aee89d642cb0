import { DiagLogLevel, diag } from '@opentelemetry/api';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { PipelineRecord } from '../model/record.ts';
import { SharedState } from '../model/shared-state.ts';
import { Telemetry } from '../model/telemetry.ts';
import { Capacity } from './capacity.ts';
import type { Health, Host, IngestSink, Receiver, RecordHolder } from './component.ts';
import { ComponentStates, type Part, type ServiceDescription } from './component-states.ts';

export type { ServiceDescription };

import type { ServiceConfig } from './config/service-config.ts';
import { ExportQueue } from './export-queue.ts';
import { CopyingStage, Fanout } from './fanout.ts';
import { GuardedProcessor } from './guarded-processor.ts';
import { IngestQueue } from './ingest-queue.ts';
import { otelLogLevel } from './log-level.ts';

/** The collector did not start: every component that could not, each naming what and where. */
export class ServiceStartError extends Error {
  readonly failures: readonly { readonly component: string; readonly message: string }[];

  constructor(failures: { component: string; message: string }[]) {
    super(failures.map((f) => `${f.component}: ${f.message}`).join('\n'));
    this.name = 'ServiceStartError';
    this.failures = failures;
  }
}

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
  readonly #capacity: Capacity;
  readonly #sdkEntry: LogRecordProcessor | undefined;
  #stopped = false;
  readonly #states = new ComponentStates();
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(config: ServiceConfig, options: ServiceOptions = {}) {
    this.#config = config;
    this.telemetry = options.telemetry ?? new Telemetry();
    const reported = new Set<string>();
    const errors = this.telemetry;
    this.host = {
      mode: options.mode ?? 'embedded',
      telemetry: this.telemetry,
      dataDir: options.dataDir ?? process.env.UNITRACK_DATA_DIR ?? 'data',
      shared: new SharedState(),
      health: () => this.health(),
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
    this.#capacity = new Capacity(this.queue, this.#exportQueues, options.refuseAtExportFill ?? 0.9);
    this.telemetry.gauge('unitrack_process_resident_memory_bytes', 'Resident memory of this process.', () => process.memoryUsage.rss());

    // Exporters first (each behind its own queue), then pipelines from the ends back.
    for (const [id, c] of config.exporters) {
      const part = this.#states.part('exporter', id);
      try {
        const exporter = c.factory.create({ id, config: c.config, host: this.host });
        part.component = exporter;
        const q = c.sendingQueue;
        this.#exportQueues.set(id, new ExportQueue(id, exporter, this.telemetry, { queueSize: q.queue_size, batchSize: q.batch_size }));
      } catch (error) {
        // A destination that cannot be created: the collector refuses to start (see start());
        // embedded, it is reported and the others keep working.
        this.#failed(part, error);
      }
    }
    for (const pid of config.pipelines.keys()) this.#buildPipeline(pid, new Set());
    for (const id of config.receivers.keys()) this.#states.part('receiver', id);

    const sdkPipelines = new Set<string>();
    for (const [id, r] of config.receivers)
      if (r.factory.receivesSdkRecords) for (const p of config.graph.receiving(id)) sdkPipelines.add(p.id);
    this.#sdkEntry = sdkPipelines.size ? this.#fanoutTo([...sdkPipelines]) : undefined;
    // Embedded, the service starts as it is built (on the application's first event), on a later
    // turn so the first track() does no file work; the collector starts when told, and fails whole.
    if (this.host.mode === 'embedded') this.#starting = new Promise((resolve) => setImmediate(resolve)).then(() => this.#start());
  }

  /** A component that could not be created or started. The collector reports them all at once from start(). */
  #failed(part: Part, error: unknown): void {
    this.#states.fail(part, error);
    if (this.host.mode === 'embedded') this.host.reportError(part.id, error);
  }

  #fanoutTo(pipelineIds: readonly string[]): LogRecordProcessor {
    const targets = pipelineIds.map((pid) => ({
      stage: this.#pipelineEntries.get(pid) as LogRecordProcessor,
      mutates: this.#mutates(pid),
    }));
    return targets.length === 1 ? targets[0].stage : new Fanout(targets);
  }

  /** Whether a pipeline's processors may change records: then it gets its own copy of each. */
  #mutates(pid: string): boolean {
    const p = this.#config.pipelines.get(pid);
    return !!p?.processors.some((id) => this.#config.processors.get(id)?.factory.mutatesData !== false);
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
      const part = this.#states.part('processor', id);
      try {
        const inner = c.factory.create({ id, config: c.config, host: this.host }, stage);
        // One instance per pipeline; the first one describes and starts for the part.
        if (inner.start || inner.describe) part.component ??= inner;
        if (inner.holds) this.#capacity.holders.push(inner as Required<RecordHolder>);
        const processor = new GuardedProcessor(id, inner, this.host);
        stages.unshift(processor);
        stage = processor;
      } catch (error) {
        // Embedded, a processor that cannot be created is skipped, not fatal: records still flow.
        this.#failed(part, error);
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
    for (const p of this.#config.graph.receiving(id)) {
      if (building.has(p.id)) continue;
      const entry = this.#buildPipeline(p.id, building);
      routes.set(p.id, this.#mutates(p.id) ? new CopyingStage(entry) : entry);
    }
    this.#states.part('connector', id);
    const connector = new GuardedProcessor(id, c.factory.create({ id, config: c.config, host: this.host }, routes), this.host);
    this.#connectors.set(id, connector);
    return connector;
  }

  /** The entry for records from a receiver: every pipeline that lists it. */
  entryFor(receiverId: string): LogRecordProcessor | undefined {
    const pids = this.#config.graph.receiving(receiverId).map((p) => p.id);
    return pids.length ? this.#fanoutTo(pids) : undefined;
  }

  /** True while input should be refused (429/503): there is no headroom left. */
  get saturated(): boolean {
    return this.#capacity.headroom() <= 0;
  }

  /** Records from the embedded SDK: they enter every pipeline with a receiver that `receivesSdkRecords` (otlp). */
  ingest(records: PipelineRecord[]): boolean {
    if (!this.#sdkEntry || this.#stopped) return false;
    if (records.length === 1) return this.queue.push(records[0], this.#sdkEntry);
    return this.queue.pushAll(records, this.#sdkEntry);
  }

  /**
   * Starts every component (files, stores, ports), then opens the receivers (collector mode;
   * embedded receivers take the SDK's records). In the collector, when any component cannot be
   * created or started, everything already started is stopped and this rejects with a
   * `ServiceStartError` naming each; embedded, each failure is reported once and the rest runs.
   */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const collector = this.host.mode === 'collector';
    // All at once: each check runs before any record is exported (so a failure is said once, by
    // the start), and the collector names every failure in one go.
    await Promise.all(
      this.#states.parts.map(async (part) => {
        if (part.kind === 'receiver' || part.status === 'failed') return;
        try {
          await part.component?.start?.();
          part.status = 'ok';
        } catch (error) {
          this.#failed(part, error);
        }
      }),
    );
    if (collector && this.#states.failures.length === 0) await this.#startReceivers();
    const failures = this.#states.failures;
    if (collector && failures.length > 0) {
      this.#states.phase = 'failed';
      await this.#stop();
      throw new ServiceStartError(failures.map((p) => ({ component: `${p.kind} ${p.id}`, message: p.error ?? 'failed' })));
    }
    this.#states.settle('ok', 'starting');
    if (this.#states.phase === 'starting') this.#states.phase = 'running';
    if (!collector) this.#announce();
  }

  /** Embedded: one line per listening component (the dashboard), so a developer finds it. */
  #announce(): void {
    // Said at warn and above, as a diagnostic would be: OTEL_LOG_LEVEL=error or none silences it.
    if (otelLogLevel().level < DiagLogLevel.WARN) return;
    const said = new Set<string>();
    for (const e of this.describe().endpoints) {
      if (said.has(e.component)) continue;
      said.add(e.component);
      process.stderr.write(`unitrack: ${e.name} at ${e.url}\n`);
    }
  }

  async #startReceivers(): Promise<void> {
    for (const [id, c] of this.#config.receivers) {
      const part = this.#states.part('receiver', id);
      const entry = this.entryFor(id);
      if (!entry) {
        part.status = 'ok';
        continue;
      }
      const sink = this.#capacity.sinkFor(entry, () => this.#stopped);
      try {
        const receiver = c.factory.create({ id, config: c.config, host: this.host }, sink);
        part.component = receiver;
        this.#receivers.set(id, receiver);
        await receiver.start();
        part.status = 'ok';
      } catch (error) {
        this.#failed(part, error);
        return;
      }
    }
  }

  /** Where the started components listen and what they write (the collector's start-up block). */
  describe(): ServiceDescription {
    return this.#states.describe();
  }

  /** `/healthz`: ready only once everything started and until draining begins; each pipeline's state. */
  health(): Health {
    return this.#states.health(this.#config);
  }

  /** Running receivers by id (collector mode). */
  get receivers(): ReadonlyMap<string, Receiver> {
    return this.#receivers;
  }

  /** Runs every accepted record through the processors and exporters, then flushes them. */
  async forceFlush(): Promise<void> {
    // Embedded, what is flushed goes to started components (a failed start is said before a failed write).
    if (this.host.mode === 'embedded') await this.#starting?.catch(() => undefined);
    this.queue.drain();
    for (const pid of this.#config.pipelines.keys()) {
      await this.#pipelineEntries.get(pid)?.forceFlush();
      this.queue.drain();
    }
    await Promise.all([...this.#exportQueues.values()].map((q) => q.forceFlush()));
  }

  /** Stops receivers, drains every queue, then shuts processors and exporters down. */
  async shutdown(): Promise<void> {
    // A start under way finishes first, so nothing it opens is left open.
    await this.#starting?.catch(() => undefined);
    await this.#stop();
  }

  #stop(): Promise<void> {
    this.#stopping ??= this.#drain();
    return this.#stopping;
  }

  async #drain(): Promise<void> {
    if (this.#states.phase !== 'failed') this.#states.phase = 'draining';
    this.#states.settle('stopping');
    await Promise.allSettled([...this.#receivers.values()].map((r) => r.shutdown()));
    await this.forceFlush();
    this.#stopped = true;
    // Front to back, sources before the pipelines they feed: what a stage emits as it shuts down
    // (summaries, held batches) still flows through live stages.
    for (const pid of this.#config.graph.upstreamFirst()) for (const p of this.#processors.get(pid) ?? []) await p.shutdown();
    await this.forceFlush();
    await Promise.allSettled([...this.#exportQueues.values()].map((q) => q.shutdown()));
    this.#states.settle('stopped');
    if (this.#states.phase !== 'failed') this.#states.phase = 'stopped';
  }

  get warnings(): readonly string[] {
    return this.#config.warnings;
  }
}
