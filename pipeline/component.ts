import type { LogRecordExporter, LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { z } from 'zod';
import type { PipelineRecord } from '../model/record.ts';
import type { SharedState } from '../model/shared-state.ts';
import type { Telemetry } from '../model/telemetry.ts';
import type { SendingQueue } from './config/sending-queue.ts';

/**
 * Components are named by kind, as in the OpenTelemetry Collector. Each kind has a factory with a
 * config schema (defaults, validation, unknown keys rejected) and a `create` step.
 */
export type Kind = 'receiver' | 'processor' | 'exporter' | 'connector';

/** What every component may use of the running service. */
export interface Host {
  /** `embedded` inside an application (no ports for receivers), or `collector`. */
  readonly mode: 'embedded' | 'collector';
  readonly telemetry: Telemetry;
  /** Where components keep state by default (`./data`). */
  readonly dataDir: string;
  /** State one component publishes for another to read, by typed key (the group store for the dashboard). */
  readonly shared: SharedState;
  /** Reports a component's failure once through `diag` and counts it; never throws. */
  reportError(componentId: string, error: unknown): void;
  /** The service's state and each pipeline's, for `/healthz`. */
  health?(): Health;
}

/** Where a started component listens and what it writes, for the start-up block. */
export interface Description {
  /** Listening endpoints as URLs: `{ name: 'OTLP/HTTP', url: 'http://127.0.0.1:4318' }`. */
  readonly endpoints?: readonly { readonly name: string; readonly url: string }[];
  /** Files and directories it writes: `{ name: 'JSON lines', path: '/srv/data/events.jsonl' }`. */
  readonly paths?: readonly { readonly name: string; readonly path: string }[];
  /** Anything else an operator should know at start (a disabled destination). */
  readonly notes?: readonly string[];
}

/**
 * Optional on every component. `start` opens what the component needs that can fail (a port, a
 * file, a store) and rejects with a `StartError` (collector/start-up.ts) naming what and where; a
 * factory's `create` may throw one too. The collector then stops everything and exits 1; embedded
 * in an application, the failure is reported once and the rest keeps running. `describe` says
 * where the started component listens and what it writes.
 */
export interface Lifecycle {
  start?(): Promise<void>;
  describe?(): Description;
}

export type ComponentStatus = 'starting' | 'ok' | 'failed' | 'stopping' | 'stopped';

/** `/healthz`: ready (200) only between a complete start and the start of draining, as otelcol's health_check. */
export interface Health {
  readonly status: 'starting' | 'ready' | 'degraded' | 'draining' | 'stopped' | 'failed';
  readonly ready: boolean;
  readonly start_time: string;
  readonly uptime_seconds: number;
  readonly pipelines: Record<
    string,
    { readonly status: ComponentStatus; readonly components: Record<string, { readonly status: ComponentStatus; readonly error?: string }> }
  >;
}

/**
 * What a component's class takes of its context besides its settings. Every class takes its
 * neighbour in the graph first (the next processor, a connector's routes, a receiver's sink), if
 * it has one, then one options object: its settings, defaulted by the factory's schema, and what
 * it uses of the service.
 */
export interface ComponentContext {
  readonly id: string;
  readonly host: Host;
}

export interface CreateContext<C> {
  /** The component's id as written in the config: `type` or `type/name`. */
  readonly id: string;
  readonly config: C;
  readonly host: Host;
}

interface Factory<S extends z.ZodType> {
  readonly type: string;
  /** Older spellings accepted for the same component (`otlphttp` for `otlp_http`). */
  readonly aliases?: readonly string[];
  /** The config schema: its defaults are the documented defaults. */
  readonly config: S;
}

/**
 * A processor that keeps records to send on later (otelcol's `batch`) says how many it holds now:
 * admission counts them as already on their way to every exporter queue downstream.
 */
export interface RecordHolder {
  holds?(): number;
}

/** A processor wraps the next stage and may drop, change or add records. */
export interface ProcessorFactory<S extends z.ZodType = z.ZodType> extends Factory<S> {
  readonly kind: 'processor';
  /**
   * Whether it changes the records it is given (otelcol's MutatesData). A pipeline whose processors
   * all say false shares records with other pipelines; one that may change them gets its own
   * copy. Default true.
   */
  readonly mutatesData?: boolean;
  create(ctx: CreateContext<z.output<S>>, next: LogRecordProcessor): LogRecordProcessor & Lifecycle & RecordHolder;
}

/** Exporters sit behind a bounded batching queue the engine puts in front of each one. */
export interface ExporterFactory<S extends z.ZodType = z.ZodType> extends Factory<S> {
  readonly kind: 'exporter';
  /** Defaults this exporter prefers for the `sending_queue` every exporter has (collector/config/sending-queue.ts). */
  readonly sendingQueue?: Partial<SendingQueue>;
  create(ctx: CreateContext<z.output<S>>): LogRecordExporter & Lifecycle;
}

/** A connector ends one pipeline and feeds others, chosen from `routes` by pipeline id. */
export interface ConnectorFactory<S extends z.ZodType = z.ZodType> extends Factory<S> {
  readonly kind: 'connector';
  /** The pipelines a config of this connector sends to, checked against the service's pipelines. */
  targets(config: z.output<S>): string[];
  create(ctx: CreateContext<z.output<S>>, routes: ReadonlyMap<string, LogRecordProcessor>): LogRecordProcessor;
}

/** Where a receiver hands decoded records; false means the queues are full (answer 429/503). */
export interface IngestSink {
  ingest(records: PipelineRecord[]): boolean;
  /** True while the pipeline cannot take more: receivers refuse before decoding. */
  readonly saturated: boolean;
}

export interface Receiver extends Lifecycle {
  /** Opens the port; rejects with a `StartError` naming the address when it cannot. */
  start(): Promise<void>;
  shutdown(): Promise<void>;
  /** Where a network receiver listens, once started. */
  readonly address?: { address: string; port: number };
}

export interface ReceiverFactory<S extends z.ZodType = z.ZodType> extends Factory<S> {
  readonly kind: 'receiver';
  /**
   * Embedded in an application, a receiver of this type opens nothing: the SDK's own records enter
   * every pipeline that lists it (`otlp`), so one config serves both modes.
   */
  readonly receivesSdkRecords?: boolean;
  create(ctx: CreateContext<z.output<S>>, sink: IngestSink): Receiver;
}

export type AnyFactory = ProcessorFactory | ExporterFactory | ConnectorFactory | ReceiverFactory;
