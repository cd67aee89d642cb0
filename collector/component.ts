import type { LogRecordExporter, LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { z } from 'zod';
import type { PipelineRecord } from './record.ts';
import type { Telemetry } from './telemetry.ts';

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
  /** State one component publishes for another to read (the group store for the dashboard). */
  readonly shared: Map<string, unknown>;
  /** Reports a component's failure once through `diag` and counts it; never throws. */
  reportError(componentId: string, error: unknown): void;
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

/** A processor wraps the next stage and may drop, change or add records. */
export interface ProcessorFactory<S extends z.ZodType = z.ZodType> extends Factory<S> {
  readonly kind: 'processor';
  create(ctx: CreateContext<z.output<S>>, next: LogRecordProcessor): LogRecordProcessor;
}

/** Exporters sit behind a bounded batching queue the engine puts in front of each one. */
export interface ExporterFactory<S extends z.ZodType = z.ZodType> extends Factory<S> {
  readonly kind: 'exporter';
  create(ctx: CreateContext<z.output<S>>): LogRecordExporter;
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

export interface Receiver {
  start(): Promise<void>;
  shutdown(): Promise<void>;
  /** Where a network receiver listens, once started. */
  readonly address?: { address: string; port: number };
}

export interface ReceiverFactory<S extends z.ZodType = z.ZodType> extends Factory<S> {
  readonly kind: 'receiver';
  create(ctx: CreateContext<z.output<S>>, sink: IngestSink): Receiver;
}

export type AnyFactory = ProcessorFactory | ExporterFactory | ConnectorFactory | ReceiverFactory;
