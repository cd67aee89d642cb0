import type { AnyValue, Attributes, HrTime, SeverityNumber, SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { EventView } from './event-json.ts';
import { setOwn } from './own-key.ts';

/**
 * The pipeline's own copy of a log record. The SDK freezes its record when `onEmit` returns, and
 * OTLP decodes into this shape directly, so every processor and exporter works on one mutable
 * `ReadWriteLogRecord` whatever the source.
 */
export class PipelineRecord implements ReadWriteLogRecord {
  hrTime: HrTime;
  hrTimeObserved: HrTime;
  spanContext?: SpanContext;
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  readonly attributes: Attributes;
  severityText?: string;
  severityNumber?: SeverityNumber;
  body?: AnyValue;
  eventName?: string;
  droppedAttributesCount: number;
  /**
   * The event view (model/event-json.ts), made by the first output that needs it. Every setter
   * clears it and a clone starts without it: change a record through its setters.
   */
  eventView: EventView | undefined = undefined;

  constructor(
    fields: {
      hrTime: HrTime;
      hrTimeObserved?: HrTime;
      spanContext?: SpanContext;
      resource: Resource;
      instrumentationScope: InstrumentationScope;
      attributes?: Attributes;
      severityText?: string;
      severityNumber?: SeverityNumber;
      body?: AnyValue;
      eventName?: string;
      droppedAttributesCount?: number;
    },
    adoptAttributes = false,
  ) {
    this.hrTime = fields.hrTime;
    this.hrTimeObserved = fields.hrTimeObserved ?? fields.hrTime;
    this.spanContext = fields.spanContext;
    this.resource = fields.resource;
    this.instrumentationScope = fields.instrumentationScope;
    // Spread defines own data properties (a `__proto__` key stays data, never a prototype), and
    // keeps V8's fast object shape, unlike a null-prototype dictionary that every processor walks.
    this.attributes = adoptAttributes && fields.attributes ? fields.attributes : { ...fields.attributes };
    this.severityText = fields.severityText;
    this.severityNumber = fields.severityNumber;
    this.body = fields.body;
    this.eventName = fields.eventName;
    this.droppedAttributesCount = fields.droppedAttributesCount ?? 0;
  }

  /**
   * A record that takes `fields.attributes` as its own, without copying: for decoders that built
   * the object themselves (a plain object of own data properties) and keep no reference to it.
   */
  static adopting(fields: ConstructorParameters<typeof PipelineRecord>[0] & { attributes: Attributes }): PipelineRecord {
    return new PipelineRecord(fields, true);
  }

  /** Copies any readable record (the SDK's, before it is frozen) into a pipeline record. */
  static from(record: ReadableLogRecord): PipelineRecord {
    return new PipelineRecord(record);
  }

  clone(): PipelineRecord {
    return new PipelineRecord(this);
  }

  setAttribute(key: string, value?: AnyValue): this {
    this.eventView = undefined;
    if (value === undefined) delete this.attributes[key];
    else setOwn(this.attributes as Record<string, AnyValue>, key, value);
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key of Object.keys(attributes)) this.setAttribute(key, attributes[key]);
    return this;
  }

  setBody(body: AnyValue): this {
    this.eventView = undefined;
    this.body = body;
    return this;
  }

  setEventName(eventName: string): this {
    this.eventView = undefined;
    this.eventName = eventName;
    return this;
  }

  setSeverityNumber(severityNumber: SeverityNumber): this {
    this.eventView = undefined;
    this.severityNumber = severityNumber;
    return this;
  }

  setSeverityText(severityText: string): this {
    this.eventView = undefined;
    this.severityText = severityText;
    return this;
  }
}

/** Milliseconds since the epoch of a record's time. */
export function recordTimeMs(record: { hrTime: HrTime }): number {
  return record.hrTime[0] * 1000 + record.hrTime[1] / 1e6;
}

/** The body as a string (the message); structured bodies are JSON. */
export function bodyText(record: { body?: AnyValue }): string {
  const body = record.body;
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('base64');
  try {
    return JSON.stringify(body) ?? '';
  } catch {
    return String(body);
  }
}

/** A string attribute, or undefined when absent or not a string. */
export function stringAttr(record: { attributes: Attributes }, key: string): string | undefined {
  const v = record.attributes[key];
  return typeof v === 'string' ? v : v === undefined || v === null ? undefined : String(v);
}
