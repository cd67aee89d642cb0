/**
 * Row 2. Pipeline throughput on one thread: events enter through the OpenTelemetry logs API
 * (`logger.emit`, the same entry for every subject) as fast as the pipeline takes them, and the
 * clock stops when the last one is in the file.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { ExportResultCode, hrTimeToMilliseconds } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { UnitrackProcessor } from '../../sdk/unitrack-processor.ts';
import { benchEvent, otelAttributes, SEVERITY_NUMBER, SEVERITY_TEXT } from '../lib/events.ts';
import { jsonlPipelineConfig } from '../lib/pipeline.ts';
import { tick } from '../lib/stats.ts';
import type { Row, SubjectResult } from '../lib/types.ts';

const CHUNK = 1024;
const QUEUE = 16_384;

interface Sink {
  provider: LoggerProvider;
  /** Records the sink holds but has not yet handed to its writer. */
  backlog: () => number;
  written: () => number;
  drops: () => number;
}

function unitrackSink(tmpDir: string, keepAll: boolean): Sink {
  const processor = new UnitrackProcessor({
    config: jsonlPipelineConfig({ jsonPath: join(tmpDir, 'events.jsonl'), keepAll }),
    dataDir: tmpDir,
    ingestQueueSize: QUEUE,
  });
  const service = processor.service;
  if (!service) throw new Error('the pipeline did not start');
  const t = processor.telemetry;
  return {
    provider: new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'bench' }), processors: [processor] }),
    backlog: () => (service.saturated ? QUEUE : service.queue.size),
    written: () => t.sum('unitrack_exporter_sent_total'),
    drops: () =>
      t.sum('unitrack_ingest_refused_total') + t.sum('unitrack_exporter_dropped_total') + t.sum('unitrack_exporter_failed_total'),
  };
}

/** The obvious JSON lines exporter: JSON.stringify each record, one write per batch to an fs stream. */
function otelSink(tmpDir: string): Sink {
  const out = createWriteStream(join(tmpDir, 'events.jsonl'), { flags: 'a' });
  let taken = 0;
  let written = 0;
  let emitted = 0;
  const line = (r: ReadableLogRecord) =>
    JSON.stringify({
      time: new Date(hrTimeToMilliseconds(r.hrTime)).toISOString(),
      severity: r.severityText,
      event: r.eventName,
      message: r.body,
      trace_id: r.spanContext?.traceId,
      span_id: r.spanContext?.spanId,
      service: r.resource.attributes['service.name'],
      attributes: r.attributes,
    });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench' }),
    processors: [
      new BatchLogRecordProcessor({
        maxQueueSize: QUEUE,
        exporter: {
          export: (records, done) => {
            taken += records.length;
            let text = '';
            for (const r of records) text += `${line(r)}\n`;
            out.write(text, (error) => {
              if (!error) written += records.length;
              done({ code: error ? ExportResultCode.FAILED : ExportResultCode.SUCCESS, error: error ?? undefined });
            });
          },
          forceFlush: async () => {},
          shutdown: () => new Promise<void>((resolve) => out.end(() => resolve())),
        },
      }),
    ],
  });
  const logger = provider.getLogger('bench');
  const emit = logger.emit.bind(logger);
  logger.emit = (r) => {
    emitted++;
    emit(r);
  };
  return { provider, backlog: () => emitted - taken, written: () => written, drops: () => emitted - written };
}

async function feed(sink: Sink, from: number, to: number, newShare: number): Promise<void> {
  const logger = sink.provider.getLogger('bench');
  for (let i = from; i < to; ) {
    while (sink.backlog() > QUEUE - 2 * CHUNK) await tick();
    const end = Math.min(to, i + CHUNK);
    for (; i < end; i++) {
      const e = benchEvent(i, newShare);
      logger.emit({
        eventName: e.event,
        severityNumber: SEVERITY_NUMBER[e.severity],
        severityText: SEVERITY_TEXT[e.severity],
        body: e.message,
        attributes: otelAttributes(e),
      });
    }
    await tick();
  }
  await sink.provider.forceFlush();
}

export const throughput: Row = {
  id: 'throughput',
  title: '2. Pipeline throughput, one thread',
  metrics: [
    { key: 'events_per_s', label: 'events/s', better: 'higher' },
    { key: 'events_per_cpu_s', label: 'events per CPU-second', better: 'higher' },
    { key: 'written_per_s', label: 'lines written/s', better: 'higher' },
    { key: 'drops', label: 'dropped', better: 'none' },
  ],
  subjects: [
    { id: 'unitrack', label: 'unitrack default processors → routing → jsonfile, 10% new fingerprints', vs: ['otel'] },
    { id: 'unitrack-all-new', label: 'same, every message new', vs: ['otel'] },
    { id: 'unitrack-keep-all', label: 'same processors, sampler rates 1 and rate limits off (every event written)', vs: ['otel'] },
    { id: 'otel', label: 'OpenTelemetry BatchLogRecordProcessor (queue 16384) → JSON.stringify → fs write stream' },
  ],
  iterations: 50_000,
  smokeIterations: 3_000,
  goals: [
    { text: 'unitrack ≥ 300,000 events/s (realistic)', check: (m) => m.unitrack && m.unitrack.events_per_s >= 300_000 },
    {
      text: 'unitrack ≥ 300,000 events/s (every event kept)',
      check: (m) => m['unitrack-keep-all'] && m['unitrack-keep-all'].events_per_s >= 300_000,
    },
  ],
  note: 'Input through logger.emit in chunks of 1024, waiting (untimed yield) while the pipeline holds more than 14,336; a warm-up of a fifth of the events first; the clock stops after forceFlush (everything in the file). Making the events (template strings) is in every subject’s time alike. The peer does no redaction, grouping, sampling or rate limiting: it is what unitrack adds on top of a bare OpenTelemetry file pipeline.',
  async run(subject, iterations, { tmpDir }): Promise<SubjectResult> {
    const newShare = subject === 'unitrack-all-new' ? 1 : 0.1;
    const sink = subject === 'otel' ? otelSink(tmpDir) : unitrackSink(tmpDir, subject === 'unitrack-keep-all');
    const warm = Math.round(iterations / 5);
    await feed(sink, 0, warm, newShare);
    const written0 = sink.written();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await feed(sink, warm, warm + iterations, newShare);
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const written = sink.written() - written0;
    const drops = sink.drops();
    await sink.provider.shutdown();
    return {
      events_per_s: iterations / s,
      events_per_cpu_s: iterations / ((cpu.user + cpu.system) / 1e6),
      written_per_s: written / s,
      drops,
    };
  },
};
