import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  embeddedService,
  flushTracking,
  initTracking,
  shutdownTracking,
  track,
  trackDashboardEvent,
  trackError,
  trackHealthEvent,
  trackMcpEvent,
  withCorrelation,
} from '../../sdk/index.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

const dir = tempDir();
const file = join(dir, 'events.jsonl');

beforeAll(() => {
  initTracking({
    serviceName: 'track-test',
    handleSignals: false,
    config: {
      receivers: { otlp: {} },
      exporters: { jsonfile: { path: file } },
      service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['jsonfile'] } } },
    },
  });
});
afterAll(() => shutdownTracking());

describe('track and its helpers', () => {
  it('writes every field of the JSON lines format with the active span IDs', async () => {
    let traceId = '';
    let spanId = '';
    withCorrelation({ correlationId: 'corr-1', requestId: 'req-1' }, () => {
      trace.getTracer('test').startActiveSpan('op', (span) => {
        traceId = span.spanContext().traceId;
        spanId = span.spanContext().spanId;
        track({
          event: 'payment_failed',
          severity: 'error',
          category: 'task',
          component: 'billing',
          message: 'Card declined',
          error: new TypeError('declined', { cause: new Error('gateway said no') }),
          metadata: { amount: 42, nested: { k: 'v' } },
          user: 'user-7',
        });
        trackError('db_failed', new Error('connection reset'), { component: 'db' });
        trackHealthEvent('health_ok', 'all good');
        trackMcpEvent('mcp_server_failed', 'Memory server failed to respond', { severity: 'high' });
        trackDashboardEvent('dashboard_opened', 'opened', { severity: 'debug' });
        span.end();
      });
    });
    await flushTracking();
    const lines = readJsonLines(file);
    expect(lines.map((l) => l.event)).toEqual(['payment_failed', 'db_failed', 'health_ok', 'mcp_server_failed', 'dashboard_opened']);
    const first = lines[0];
    expect(first).toMatchObject({
      severity: 'high',
      event: 'payment_failed',
      category: 'task',
      component: 'billing',
      message: 'Card declined',
      trace_id: traceId,
      span_id: spanId,
      correlation_id: 'corr-1',
      request_id: 'req-1',
      service: 'track-test',
      user: 'user-7',
      error: { type: 'TypeError', message: 'declined' },
      attributes: { amount: 42, nested: { k: 'v' } },
    });
    expect(typeof first.time).toBe('string');
    expect((first.error as { stack: string }).stack).toContain('Caused by: Error: gateway said no');
    expect(lines[1]).toMatchObject({ severity: 'high', category: 'error', component: 'db', message: 'connection reset' });
    expect(lines[2]).toMatchObject({ severity: 'info', category: 'health', message: 'all good' });
    expect(lines[3]).toMatchObject({ severity: 'high', category: 'mcp' });
    expect(lines[4]).toMatchObject({ severity: 'debug', category: 'dashboard' });
    for (const l of lines) expect(l.trace_id).toBe(traceId);
  });

  it('adds an event to the active span', () => {
    const events: string[] = [];
    trace.getTracer('test').startActiveSpan('op', (span) => {
      const original = span.addEvent.bind(span);
      span.addEvent = (name: string, ...rest: unknown[]) => {
        events.push(name);
        return original(name, ...(rest as []));
      };
      track({ event: 'span_event_check', message: 'x' });
      span.end();
    });
    expect(events).toEqual(['span_event_check']);
  });

  it('survives bad input without throwing and counts the drops', async () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const evil = {
      toString() {
        throw new Error('no');
      },
    };
    const bad: unknown[] = [undefined, null, 42, 'str', {}, { event: '' }, { event: 'ok_evil', message: evil }];
    for (const b of bad) expect(() => track(b as never)).not.toThrow();
    expect(() => track({ event: 'cyclic', metadata: { cyclic } })).not.toThrow();
    expect(() => track({ event: 'huge', message: 'x'.repeat(5_000_000) })).not.toThrow();
    expect(() => trackError('weird_throwable', { not: 'an error' })).not.toThrow();
    expect(() => trackError('string_throwable', 'just a string')).not.toThrow();
    await flushTracking();
    const service = embeddedService();
    expect(service?.telemetry.value('unitrack_sdk_dropped_total')).toBe(bad.length);
    const lines = readJsonLines(file);
    const cyc = lines.find((l) => l.event === 'cyclic') as { attributes: { cyclic: { self: string } } };
    expect(cyc.attributes.cyclic.self).toBe('[Circular]');
    const huge = lines.find((l) => l.event === 'huge') as { message: string };
    expect(huge.message.length).toBeLessThan(40_000);
    expect(huge.message).toContain('[truncated');
    expect(lines.find((l) => l.event === 'string_throwable')).toMatchObject({ error: { type: 'string', message: 'just a string' } });
  });
});
