import { join } from 'node:path';
import { logs } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_KEY } from '../../exporters/dashboard/dashboard-exporter.ts';
import { PipelineRecord } from '../../model/record.ts';
import type { Service } from '../../pipeline/service.ts';
import {
  cleanup,
  clearGroups,
  embeddedService,
  flushTracking,
  type GroupSummary,
  GroupsUnavailableError,
  getGroup,
  getMetrics,
  getStats,
  ignoreGroup,
  initTracking,
  listGroups,
  reopenGroup,
  resolveGroup,
  shutdownTracking,
  track,
  trackError,
  unitrackProcessor,
} from '../../sdk/index.ts';
import { waitFor } from '../dashboard/helpers.ts';
import { tempDir } from '../helpers/tmp.ts';

/** A pipeline with the fingerprint processor and the dashboard on a free port, its files in `dir`. */
function config(dir: string) {
  return {
    receivers: { otlp: {} },
    processors: { fingerprint: { group_ttl: '1h', store: { path: join(dir, 'groups.db') } } },
    exporters: { dashboard: { endpoint: '127.0.0.1:0', store: { path: join(dir, 'dashboard.db') } } },
    service: { pipelines: { logs: { receivers: ['otlp'], processors: ['fingerprint'], exporters: ['dashboard'] } } },
  };
}

async function dashboardUrl(service: () => Service | undefined): Promise<string> {
  await waitFor(() => service()?.host.shared.has(DASHBOARD_KEY) ?? false, 'the dashboard');
  return service()?.host.shared.get(DASHBOARD_KEY)?.url ?? '';
}

let url = '';
async function http<T = Record<string, unknown>>(path: string, base = url): Promise<T> {
  const res = await fetch(`${base}${path}`);
  if (res.status === 404) return undefined as T;
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

/** Runs `read` again when a minute boundary fell inside it (trends are per minute of the clock). */
async function inOneMinute<T>(read: () => Promise<T>): Promise<T> {
  for (;;) {
    const minute = Math.floor(Date.now() / 60_000);
    const result = await read();
    if (Math.floor(Date.now() / 60_000) === minute) return result;
  }
}

/** Errors made on one line, so that the same type and message group together. */
function failure(type: 'PaymentError' | 'DbError', message: string): Error {
  const e = new Error(message);
  e.name = type;
  return e;
}

function trackFailures(): void {
  trackError('payment_failed', failure('PaymentError', 'Payment 17 failed'), { user: 'u1', component: 'billing' });
  trackError('payment_failed', failure('PaymentError', 'Payment 18 failed'), { user: 'u2', component: 'billing' });
  trackError({ event: 'db_down', error: failure('DbError', 'connection reset'), user: 'u3', component: 'db' });
  track({ event: 'order_placed', message: 'Order placed', category: 'task' });
}

const byTitle = (groups: GroupSummary[], title: string) => groups.find((g) => g.title.startsWith(title)) as GroupSummary;

describe('the groups API of the embedded pipeline', () => {
  const dir = tempDir();

  beforeAll(async () => {
    initTracking({ serviceName: 'groups-test', serviceVersion: '1.0.0', handleSignals: false, dataDir: dir, config: config(dir) });
    url = await dashboardUrl(embeddedService);
  });
  afterAll(() => shutdownTracking());

  it('answers what the dashboard’s HTTP API answers: groups, a group, metrics, stats', async () => {
    trackFailures();
    // No flush: each call first counts the records tracked before it.
    const groups = await listGroups();
    expect(groups.map((g) => g.title).sort()).toEqual(['DbError: connection reset', 'Order placed', 'PaymentError: Payment <NUM> failed']);
    expect(byTitle(groups, 'PaymentError')).toMatchObject({
      count: 2,
      users: 2,
      status: 'unresolved',
      severity: 'high',
      component: 'billing',
    });

    const [apiList, httpList] = await inOneMinute(async () => [
      await listGroups(),
      (await http<{ groups: unknown }>('/api/groups')).groups,
    ]);
    expect(apiList).toEqual(httpList);
    const [apiCount, httpCount] = await inOneMinute(async () => [
      await listGroups({ sort: 'count', limit: 1 }),
      (await http<{ groups: unknown }>('/api/groups?sort=count&limit=1')).groups,
    ]);
    expect(apiCount).toEqual(httpCount);
    expect(apiCount).toHaveLength(1);
    const [apiQuery, httpQuery] = await inOneMinute(async () => [
      await listGroups('connection'),
      (await http<{ groups: unknown }>('/api/groups?q=connection')).groups,
    ]);
    expect(apiQuery).toEqual(httpQuery);
    expect((apiQuery as GroupSummary[]).map((g) => g.title)).toEqual(['DbError: connection reset']);
    // The dashboard's filters, by their query-parameter names.
    const [apiLevel, httpLevel] = await inOneMinute(async () => [
      await listGroups({ level: 'high', range: '1h', sort: 'priority' }),
      (await http<{ groups: unknown }>('/api/groups?level=high&range=1h&sort=priority')).groups,
    ]);
    expect(apiLevel).toEqual(httpLevel);
    expect((apiLevel as GroupSummary[]).map((g) => g.title).sort()).toEqual([
      'DbError: connection reset',
      'PaymentError: Payment <NUM> failed',
    ]);
    await expect(listGroups({ minSeverity: 'high' } as never)).rejects.toThrow(/minSeverity not understood/);
    await expect(listGroups({ level: 'loud' } as never)).rejects.toThrow(/level not understood/);

    const fp = byTitle(groups, 'PaymentError').fingerprint;
    const [apiGroup, httpGroup] = await inOneMinute(async () => [await getGroup(fp), await http(`/api/groups/${fp}`)]);
    expect(apiGroup).toEqual(httpGroup);
    expect(apiGroup?.events).toHaveLength(2);
    expect(await getGroup('0123456789abcdef')).toBeUndefined();
    expect(await http('/api/groups/0123456789abcdef')).toBeUndefined();

    for (const range of ['15m', '1h', '24h', '7d'] as const) {
      const [apiMetrics, httpMetrics] = await inOneMinute(async () => [
        await getMetrics({ range }),
        await http(`/api/metrics?range=${range}`),
      ]);
      expect(apiMetrics, range).toEqual(httpMetrics);
    }
    const metrics = await getMetrics();
    expect(metrics).toMatchObject({ range_seconds: 3600, total_events: 4, total_errors: 3, affected_users: 3, mttr_seconds: null });
    expect(metrics.top_errors.map((g) => g.range_count)).toEqual([2, 1]);

    await flushTracking(); // the exporters' counters settle
    const [apiStats, httpStats] = await inOneMinute(async () => [
      await getStats(),
      await http<Awaited<ReturnType<typeof getStats>>>('/api/stats'),
    ]);
    const steady = (s: typeof apiStats) => ({
      ...s,
      counters: Object.fromEntries(Object.entries(s.counters).filter(([k]) => !k.includes('memory'))),
    });
    expect(steady(apiStats)).toEqual(steady(httpStats));
    expect(apiStats.groups).toMatchObject({ total_events: 4, groups: 3 });
  });

  it('resolves, reopens and ignores groups as the dashboard shows them', async () => {
    const groups = await listGroups();
    const payment = byTitle(groups, 'PaymentError').fingerprint;
    const db = byTitle(groups, 'DbError').fingerprint;

    const resolved = await resolveGroup(payment);
    expect(resolved).toMatchObject({ fingerprint: payment, status: 'resolved' });
    expect(resolved).toEqual(await http(`/api/groups/${payment}`));
    expect((await http<{ groups: GroupSummary[] }>('/api/groups?status=resolved')).groups.map((g) => g.fingerprint)).toEqual([payment]);
    expect((await http<{ mttr_seconds: number | null }>('/api/metrics?range=1h')).mttr_seconds).not.toBeNull();

    expect(await reopenGroup(payment)).toMatchObject({ status: 'unresolved' });
    expect((await http<GroupSummary>(`/api/groups/${payment}`)).status).toBe('unresolved');

    expect(await ignoreGroup(db)).toMatchObject({ status: 'ignored' });
    expect((await http<{ groups: GroupSummary[] }>('/api/groups?status=ignored')).groups.map((g) => g.fingerprint)).toEqual([db]);
    expect((await http<{ status: string; history: { status: string }[] }>(`/api/groups/${db}`)).history.map((h) => h.status)).toEqual([
      'unresolved',
      'ignored',
    ]);
    // Until 10 more events (it has 1): the dashboard shows the count it reopens at.
    expect(await ignoreGroup(db, { until_count: 10 })).toMatchObject({ status: 'ignored', ignored_until: { count: 11 } });
    expect((await http<GroupSummary>(`/api/groups/${db}`)).ignored_until).toEqual({ count: 11 });
    expect(await resolveGroup('0123456789abcdef')).toBeUndefined();
    await expect(resolveGroup(payment, { inVersion: '' })).rejects.toThrow(TypeError);
  });

  it('resolves in a release: events of older releases do not reopen the group, events of the fix’s release do', async () => {
    const groups = await listGroups();
    const payment = byTitle(groups, 'PaymentError').fingerprint;
    const db = byTitle(groups, 'DbError').fingerprint;
    await resolveGroup(payment, { inVersion: '2.0.0' }); // the fix ships in 2.0.0; this service is 1.0.0
    await resolveGroup(db); // fixed in the last release seen, 1.0.0
    trackFailures();
    await flushTracking();
    expect((await http<GroupSummary>(`/api/groups/${payment}`)).status).toBe('resolved');
    expect((await http<GroupSummary>(`/api/groups/${db}`)).status).toBe('unresolved');
    // Naming the release of an already resolved group is no new resolution.
    const history = (await getGroup(payment))?.history.length;
    await resolveGroup(payment, { inVersion: '1.0.0' });
    expect((await getGroup(payment))?.history.length).toBe(history);
    trackFailures();
    expect((await getGroup(payment))?.status).toBe('unresolved');
  });

  it('cleanup() deletes the groups unseen for group_ttl, as the store’s sweep does', async () => {
    const service = embeddedService() as Service;
    const twoHoursAgo = Date.now() - 2 * 3_600_000;
    service.ingest([
      new PipelineRecord({
        hrTime: [Math.floor(twoHoursAgo / 1000), 0],
        resource: resourceFromAttributes({ 'service.name': 'groups-test' }),
        instrumentationScope: { name: 't' },
        body: 'stale failure',
        eventName: 'stale',
        severityNumber: 17,
        attributes: {},
      }),
    ]);
    expect((await listGroups('stale')).map((g) => g.title)).toEqual(['stale failure']);
    expect(await cleanup()).toBe(1);
    expect(await listGroups('stale')).toEqual([]);
    expect((await http<{ groups: unknown[] }>('/api/groups?q=stale')).groups).toEqual([]);
    expect((await listGroups()).length).toBe(3);
    expect(await cleanup()).toBe(0);
  });

  it('clearGroups() empties the groups and their history, and the dashboard shows none', async () => {
    await clearGroups();
    expect(await listGroups()).toEqual([]);
    expect((await http<{ groups: unknown[] }>('/api/groups')).groups).toEqual([]);
    const [apiMetrics, httpMetrics] = await inOneMinute(async () => [await getMetrics(), await http('/api/metrics?range=1h')]);
    expect(apiMetrics).toEqual(httpMetrics);
    expect(apiMetrics).toMatchObject({ total_events: 0, total_errors: 0, mttr_seconds: null, top_errors: [], recent_errors: [] });
    // Grouping goes on afterwards.
    trackFailures();
    expect((await listGroups()).map((g) => g.count).sort()).toEqual([1, 1, 2]);
  });

  it('refuses arguments it does not understand, before reading anything', async () => {
    await expect(getMetrics({ range: '2h' as never })).rejects.toThrow(RangeError);
    await expect(getMetrics({ range: 'constructor' as never })).rejects.toThrow(/range must be one of 15m, 1h, 24h, 7d/);
    await expect(listGroups({ status: 'open' as never })).rejects.toThrow(/status not understood/);
    await expect(listGroups({ sort: 'age' as never, limit: 0 })).rejects.toThrow(/sort, limit not understood/);
    await expect(getGroup(42 as never)).rejects.toThrow(TypeError);
  });
});

describe('the groups API with unitrackProcessor() in an application’s own LoggerProvider', () => {
  it('reads that pipeline, as its dashboard does', async () => {
    const dir = tempDir();
    const processor = unitrackProcessor(config(dir), { dataDir: dir });
    const provider = new LoggerProvider({ processors: [processor] });
    logs.setGlobalLoggerProvider(provider);
    try {
      trackFailures();
      const base = await dashboardUrl(() => processor.service);
      const [apiList, httpList] = await inOneMinute(async () => [
        await listGroups(),
        (await http<{ groups: unknown }>('/api/groups', base)).groups,
      ]);
      expect(apiList).toEqual(httpList);
      expect((apiList as GroupSummary[]).length).toBe(3);
      const fp = byTitle(apiList as GroupSummary[], 'DbError').fingerprint;
      await resolveGroup(fp);
      expect((await http<GroupSummary>(`/api/groups/${fp}`, base)).status).toBe('resolved');
    } finally {
      await provider.shutdown();
      logs.disable();
    }
    // Shut down, it is no longer read.
    await expect(listGroups()).rejects.toThrow(GroupsUnavailableError);
  });
});

describe('the groups API without groups', () => {
  afterAll(() => shutdownTracking());

  it('throws GroupsUnavailableError when the pipeline has no fingerprint processor', async () => {
    const dir = tempDir();
    initTracking({
      handleSignals: false,
      config: {
        receivers: { otlp: {} },
        exporters: { jsonfile: { path: join(dir, 'events.jsonl') } },
        service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['jsonfile'] } } },
      },
    });
    await expect(listGroups()).rejects.toThrow(GroupsUnavailableError);
    await expect(getStats()).rejects.toThrow(/no fingerprint processor/);
    await shutdownTracking();
  });

  it('throws GroupsUnavailableError when events go to a collector (OTLP mode)', async () => {
    initTracking({ handleSignals: false, otlp: { endpoint: 'http://127.0.0.1:9' } });
    await expect(getMetrics()).rejects.toThrow(GroupsUnavailableError);
    await expect(clearGroups()).rejects.toThrow(/initTracking\(\{ otlp \}\)/);
  });
});
