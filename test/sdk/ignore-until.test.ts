// Ignore until through the dashboard's HTTP API (`POST /api/groups/:fingerprint/ignore` with
// `{ until_count | until_users | until }`) and the SDK's ignoreGroup(fp, until), on one embedded
// pipeline: each condition, when it is reached the group is unresolved and an `escalating` alert
// was raised.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_KEY } from '../../exporters/dashboard/dashboard-exporter.ts';
import {
  embeddedService,
  flushTracking,
  type GroupDetail,
  getGroup,
  getStats,
  ignoreGroup,
  initTracking,
  listGroups,
  shutdownTracking,
  trackError,
} from '../../sdk/index.ts';
import { waitFor } from '../dashboard/helpers.ts';
import { tempDir } from '../helpers/tmp.ts';

const dir = tempDir();
let url = '';

function failure(user?: string): void {
  const e = new Error('Payment 17 failed');
  e.name = 'PaymentError';
  trackError('payment_failed', e, { user, component: 'billing' });
}

async function post(path: string, body?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', body, headers: body ? { 'content-type': 'application/json' } : {} });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function httpGroup(fp: string): Promise<GroupDetail> {
  return (await (await fetch(`${url}/api/groups/${fp}`)).json()) as GroupDetail;
}

/** Escalating alerts raised so far (the fingerprint processor's counter). */
async function escalations(): Promise<number> {
  const { counters } = await getStats();
  return Object.entries(counters)
    .filter(([k]) => k.startsWith('unitrack_alerts_total{') && k.includes('reason="escalating"'))
    .reduce((n, [, v]) => n + v, 0);
}

let fp = '';

beforeAll(async () => {
  initTracking({
    serviceName: 'ignore-test',
    handleSignals: false,
    dataDir: dir,
    config: {
      receivers: { otlp: {} },
      processors: { fingerprint: { store: { path: join(dir, 'groups.db') } } },
      exporters: { dashboard: { endpoint: '127.0.0.1:0', store: { path: join(dir, 'dashboard.db') } } },
      service: { pipelines: { logs: { receivers: ['otlp'], processors: ['fingerprint'], exporters: ['dashboard'] } } },
    },
  });
  await waitFor(() => embeddedService()?.host.shared.has(DASHBOARD_KEY) ?? false, 'the dashboard');
  url = embeddedService()?.host.shared.get(DASHBOARD_KEY)?.url ?? '';
  failure('u1');
  failure('u2');
  fp = (await listGroups())[0].fingerprint;
});
afterAll(() => shutdownTracking());

describe('ignore until', () => {
  it('over HTTP: until_count more events, then the group is unresolved and alerted escalating', async () => {
    const ignored = await post(`/api/groups/${fp}/ignore`, JSON.stringify({ until_count: 3 }));
    expect(ignored.status).toBe(200);
    expect(ignored.json).toMatchObject({ status: 'ignored', ignored_until: { count: 5 } });
    failure();
    failure();
    await flushTracking();
    expect(await httpGroup(fp)).toMatchObject({ status: 'ignored', count: 4 });
    expect(await escalations()).toBe(0);
    failure();
    await flushTracking();
    const reopened = await httpGroup(fp);
    expect(reopened.status).toBe('unresolved');
    expect(reopened.ignored_until).toBeUndefined();
    expect(reopened.history.map((h) => h.status)).toEqual(['unresolved', 'ignored', 'unresolved']);
    expect(await escalations()).toBe(1);
  });

  it('over HTTP: refuses conditions it does not understand, and answers 404 for an unknown group', async () => {
    for (const body of [
      '{"until_count": 0}',
      '{"until_count": "3"}',
      '{"until_users": 1.5}',
      '{"until": "yesterday"}',
      '{"until": "2000-01-01T00:00:00Z"}',
      '{"until_hours": 1}',
      '[1]',
      'not json',
    ]) {
      const res = await post(`/api/groups/${fp}/ignore`, body);
      expect(res.status, body).toBe(400);
      expect(res.json.error, body).toEqual(expect.any(String));
    }
    expect((await post(`/api/groups/${fp}/ignore`, `{"until": "${'x'.repeat(5000)}"}`)).status).toBe(413);
    expect((await httpGroup(fp)).status).toBe('unresolved');
    expect((await post('/api/groups/0123456789abcdef/ignore', '{"until_count": 1}')).status).toBe(404);
  });

  it('through the SDK: until_users more distinct users, the same answer as the HTTP API', async () => {
    const ignored = await ignoreGroup(fp, { until_users: 2 });
    expect(ignored).toMatchObject({ status: 'ignored', ignored_until: { users: 4 } });
    expect(ignored).toEqual(await httpGroup(fp));
    failure('u1'); // seen before: not a new user
    failure('u3');
    expect(await getGroup(fp)).toMatchObject({ status: 'ignored', users: 3 });
    failure('u4');
    expect(await getGroup(fp)).toMatchObject({ status: 'unresolved', users: 4 });
    expect(await escalations()).toBe(2);
  });

  it('through the SDK: until a time (a Date or ISO text); events before it stay ignored', async () => {
    const until = new Date(Date.now() + 3_600_000);
    expect(await ignoreGroup(fp, { until })).toMatchObject({ status: 'ignored', ignored_until: { time: until.toISOString() } });
    failure();
    expect((await getGroup(fp))?.status).toBe('ignored');
    // Ignoring again replaces the condition.
    expect(await ignoreGroup(fp, { until: until.toISOString(), until_count: 1 })).toMatchObject({
      ignored_until: { time: until.toISOString(), count: ((await getGroup(fp))?.count ?? 0) + 1 },
    });
    failure();
    expect((await getGroup(fp))?.status).toBe('unresolved');
    expect(await escalations()).toBe(3);
  });

  it('through the SDK: a condition not understood is a TypeError; none ignores until reopened', async () => {
    for (const until of [{ until_count: -1 }, { until: 'soon' }, { bogus: 1 }, 'an hour'])
      await expect(ignoreGroup(fp, until as never), JSON.stringify(until)).rejects.toThrow(TypeError);
    expect((await getGroup(fp))?.status).toBe('unresolved');
    const forever = await ignoreGroup(fp);
    expect(forever?.status).toBe('ignored');
    expect(forever?.ignored_until).toBeUndefined();
    // An empty body over HTTP is the same.
    const again = await post(`/api/groups/${fp}/ignore`);
    expect(again.status).toBe(200);
    expect(again.json.ignored_until).toBeUndefined();
    for (let i = 0; i < 5; i++) failure(`v${i}`);
    expect((await getGroup(fp))?.status).toBe('ignored');
    expect(await escalations()).toBe(3);
  });
});
