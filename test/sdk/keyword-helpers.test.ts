import { join } from 'node:path';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  embeddedService,
  flushTracking,
  initTracking,
  shutdownTracking,
  trackDashboardEvent,
  trackError,
  trackHealthEvent,
  trackMcpEvent,
} from '../../sdk/index.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

const dir = tempDir();
const file = join(dir, 'events.jsonl');
const warnings: string[] = [];

beforeAll(() => {
  diag.setLogger(
    { warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
    DiagLogLevel.WARN,
  );
  initTracking({
    serviceName: 'keyword-test',
    handleSignals: false,
    config: {
      receivers: { otlp: {} },
      exporters: { jsonfile: { path: file } },
      service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['jsonfile'] } } },
    },
  });
});
afterAll(async () => {
  await shutdownTracking();
  diag.disable();
});

type Line = Record<string, unknown> & { event: string; attributes?: Record<string, unknown> };

/** The lines written for events whose name starts with `prefix`, by name. */
async function lines(prefix: string): Promise<Map<string, Line>> {
  await flushTracking();
  return new Map(
    readJsonLines<Line>(file)
      .filter((l) => l.event.startsWith(prefix))
      .map((l) => [l.event, l]),
  );
}

/** A line without what differs between two calls made one after the other. */
function comparable(line: Line | undefined): Record<string, unknown> {
  const { time, event, error, ...rest } = line ?? ({} as Line);
  const e = error as { stack?: string } | undefined;
  return { ...rest, error: e && { ...e, stack: e.stack?.split('\n')[0] } };
}

const dropped = () => embeddedService()?.telemetry.value('unitrack_sdk_dropped_total') ?? 0;

describe('the helpers take keywords beside their positional form', () => {
  it('writes the same event for the keyword and the positional form of every helper', async () => {
    const error = new TypeError('card declined', { cause: new Error('gateway said no') });
    const common = { component: 'billing', metadata: { amount: 42, nested: { k: 'v' } }, user: 'user-7' };
    trackError('p_error', error, { ...common, message: 'Payment failed', severity: 'critical' });
    trackError({ event: 'k_error', message: 'Payment failed', error, severity: 'critical', ...common });
    trackHealthEvent('p_health', 'Database p99 above 500 ms', { severity: 'medium', ...common });
    trackHealthEvent({ event: 'k_health', message: 'Database p99 above 500 ms', severity: 'medium', ...common });
    trackMcpEvent('p_mcp', 'Memory server failed to respond', { severity: 'high', server: 'memory', ...common });
    trackMcpEvent({ event: 'k_mcp', message: 'Memory server failed to respond', severity: 'high', server: 'memory', ...common });
    trackDashboardEvent('p_dashboard', 'Dashboard opened', { requestId: 'req-9', ...common });
    trackDashboardEvent({ event: 'k_dashboard', message: 'Dashboard opened', requestId: 'req-9', ...common });

    const byName = new Map([...(await lines('p_')), ...(await lines('k_'))]);
    for (const helper of ['error', 'health', 'mcp', 'dashboard']) {
      const keyword = byName.get(`k_${helper}`);
      expect(keyword, helper).toBeDefined();
      expect(comparable(keyword), helper).toEqual(comparable(byName.get(`p_${helper}`)));
    }
    expect(byName.get('k_error')).toMatchObject({
      severity: 'critical',
      category: 'error',
      component: 'billing',
      message: 'Payment failed',
      user: 'user-7',
      error: { type: 'TypeError', message: 'card declined' },
      attributes: { amount: 42, nested: { k: 'v' } },
    });
    expect((byName.get('k_error')?.error as { stack?: string } | undefined)?.stack).toContain('Caused by: Error: gateway said no');
    expect(byName.get('k_health')).toMatchObject({ category: 'health', severity: 'medium' });
    expect(byName.get('k_mcp')).toMatchObject({ category: 'mcp', attributes: { 'unitrack.mcp.server': 'memory', amount: 42 } });
    expect(byName.get('k_dashboard')).toMatchObject({ category: 'dashboard', request_id: 'req-9', severity: 'info' });
  });

  it('keeps the helpers’ defaults in the keyword form, and lets the object override them', async () => {
    trackError({ event: 'kd_error_plain', message: 'no error object' });
    trackError({ event: 'kd_error_told', error: new Error('x'), severity: 'low', category: 'task' });
    trackMcpEvent({ event: 'kd_mcp_no_server', message: 'no server given' });
    const got = await lines('kd_');
    expect(got.get('kd_error_plain')).toMatchObject({ severity: 'high', category: 'error', message: 'no error object' });
    expect(got.get('kd_error_plain')?.error).toBeUndefined();
    expect(got.get('kd_error_told')).toMatchObject({ severity: 'low', category: 'task', message: 'x' });
    expect(got.get('kd_mcp_no_server')?.attributes?.['unitrack.mcp.server']).toBeUndefined();
  });

  it('fills the object’s missing error (or message) from a second argument; a conflict keeps the object’s and says so once', async () => {
    const before = dropped();
    const err = new RangeError('out of stock');
    trackError({ event: 'mx_error', component: 'inventory' }, err);
    trackHealthEvent({ event: 'mx_health' }, 'queue depth high');
    trackMcpEvent({ event: 'mx_mcp', server: 'pricing' }, 'timed out');
    trackDashboardEvent({ event: 'mx_dashboard' }, 'exported');
    expect(warnings.filter((w) => w.includes('second argument'))).toHaveLength(0);
    trackError({ event: 'mx_conflict_1', error: new Error('kept') }, new Error('second'));
    trackError({ event: 'mx_conflict_2', error: new Error('kept too') }, new Error('second again'));
    trackHealthEvent({ event: 'mx_conflict_3', message: 'kept' }, 'second');
    const got = await lines('mx_');
    expect(got.get('mx_error')).toMatchObject({
      severity: 'high',
      category: 'error',
      component: 'inventory',
      message: 'out of stock',
      error: { type: 'RangeError' },
    });
    expect(got.get('mx_health')).toMatchObject({ category: 'health', message: 'queue depth high' });
    expect(got.get('mx_mcp')).toMatchObject({ message: 'timed out', attributes: { 'unitrack.mcp.server': 'pricing' } });
    expect(got.get('mx_dashboard')).toMatchObject({ message: 'exported' });
    expect(got.get('mx_conflict_1')).toMatchObject({ message: 'kept', error: { message: 'kept' } });
    expect(got.get('mx_conflict_2')).toMatchObject({ error: { message: 'kept too' } });
    expect(got.get('mx_conflict_3')).toMatchObject({ message: 'kept' });
    // Nothing was dropped; the conflicts were reported, once.
    expect(dropped()).toBe(before);
    expect(warnings.filter((w) => w.includes('second argument'))).toHaveLength(1);
  });

  it('counts a keyword call it cannot read instead of dropping it silently, and never throws', async () => {
    const before = dropped();
    const evil = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys for you');
        },
      },
    );
    expect(() => trackError({ message: 'no event name' } as never)).not.toThrow();
    expect(() => trackMcpEvent({ event: '' })).not.toThrow();
    expect(() => trackHealthEvent(evil as never)).not.toThrow();
    expect(() => trackError('bad_extra', new Error('x'), evil as never)).not.toThrow();
    expect(() => trackDashboardEvent(null as never)).not.toThrow();
    expect(() => trackMcpEvent({ event: 'bad_server', server: { toString: () => Symbol() } as never })).not.toThrow();
    await flushTracking();
    expect(dropped() - before).toBe(6);
    expect(warnings.some((w) => w.includes('unitrack_sdk_dropped_total'))).toBe(true);
  });

  it('type-checks both forms', () => {
    // Compile-time only (npm run typecheck): each line must be an error.
    const never = () => {
      // @ts-expect-error the keyword form needs `event`
      trackError({ message: 'no event' });
      // @ts-expect-error `server` belongs to trackMcpEvent
      trackError({ event: 'x', server: 'memory' });
      // @ts-expect-error the keyword form takes at most the second argument
      trackHealthEvent({ event: 'x' }, 'message', { component: 'c' });
      // @ts-expect-error the positional message is a string
      trackMcpEvent('x', 42);
      // @ts-expect-error severities are checked
      trackDashboardEvent({ event: 'x', severity: 'loud' });
    };
    // And these compile.
    const fine = () => {
      trackError({ event: 'x', error: new Error('e'), component: 'c', severity: 'error', metadata: { a: 1 } }, new Error('f'));
      trackMcpEvent({ event: 'x', server: 'memory' }, 'message');
      trackMcpEvent('x', 'message', { server: 'memory' });
      trackDashboardEvent({ event: 'x', requestId: 'r' });
    };
    expect([typeof never, typeof fine]).toEqual(['function', 'function']);
  });
});
