// The API behind the issue page and the Issues list: one event at a time, tags (exact and sampled),
// the group's series, the facets, the list's filters, resolve in a release, the pipeline's flow,
// and the refusals that name what is wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupDetail, GroupEvent, GroupSummary } from '../../model/groups.ts';
import type { Service } from '../../pipeline/service.ts';
import { dashboardService, record } from './helpers.ts';

let service: Service;
let url: string;
let fp: string;

async function json<T = Record<string, unknown>>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${path}`, init);
  return { status: res.status, body: (await res.json()) as T };
}

beforeAll(async () => {
  ({ service, url } = await dashboardService({ after: { sampler: { rates: { info: 0 } } } }));
  const resource = (release: string, environment: string) => ({
    'service.name': 'checkout',
    'service.version': release,
    'deployment.environment.name': environment,
  });
  for (let i = 1; i <= 14; i++)
    service.ingest([
      record(`Card ${i} declined`, {
        attributes: { 'exception.type': 'CardError', 'user.id': `u${i % 4}`, 'card.brand': i % 2 ? 'visa' : 'amex' },
        resource: resource(i <= 4 ? '1.0.0' : '1.1.0', i % 2 ? 'production' : 'staging'),
      }),
    ]);
  for (let i = 0; i < 3; i++)
    service.ingest([record(`Order ${i} placed`, { severityNumber: 9, resource: { 'service.name': 'shop', 'service.version': '7' } })]);
  await service.forceFlush();
  const { body } = await json<{ groups: GroupSummary[] }>('/api/groups');
  fp = body.groups.find((g) => g.title.startsWith('CardError'))?.fingerprint as string;
});
afterAll(() => service.shutdown());

describe('the issue page’s API', () => {
  it('walks the stored events: latest, previous, next, oldest', async () => {
    const latest = await json<GroupEvent>(`/api/groups/${fp}/events/latest`);
    expect(latest.body).toMatchObject({ seq: 14, previous: 13, oldest: 1, latest: 14, stored: 11 });
    expect(latest.body.event.message).toBe('Card 14 declined');
    const oldest = await json<GroupEvent>(`/api/groups/${fp}/events/oldest`);
    expect(oldest.body).toMatchObject({ seq: 1, next: 5 });
    expect((await json<GroupEvent>(`/api/groups/${fp}/events/5`)).body).toMatchObject({ previous: 1, next: 6 });
    expect((await json(`/api/groups/${fp}/events/3`)).status).toBe(404);
    expect((await json(`/api/groups/${fp}/events/0`)).status).toBe(404);
    expect((await json('/api/groups/0123456789abcdef/events/latest')).status).toBe(404);
  });

  it('gives exact tags, an attribute sampled over the stored events, and the group’s series', async () => {
    const { body } = await json<{
      tags: { key: string; total: number; values: { value: string; count: number }[] }[];
      attribute_keys: string[];
      attribute?: { key: string; sampled: number; values: { value: string; count: number }[] };
    }>(`/api/groups/${fp}/tags?attribute=card.brand`);
    const tag = (key: string) => body.tags.find((t) => t.key === key);
    expect(tag('release')?.values.map((v) => [v.value, v.count])).toEqual([
      ['1.1.0', 10],
      ['1.0.0', 4],
    ]);
    expect(tag('environment')?.total).toBe(14);
    expect(tag('user')?.values).toHaveLength(4);
    expect(body.attribute_keys).toContain('card.brand');
    expect(body.attribute_keys.some((k) => k.startsWith('unitrack.'))).toBe(false);
    // The ring holds events 5..14: 5 odd (visa), 5 even (amex).
    expect(body.attribute).toEqual({
      key: 'card.brand',
      sampled: 10,
      values: [
        { value: 'amex', count: 5 },
        { value: 'visa', count: 5 },
      ],
    });
    const series = await json<{ range_seconds: number; trend: { events: number; errors: number }[] }>(`/api/groups/${fp}/series?range=15m`);
    expect(series.body.range_seconds).toBe(900);
    expect(series.body.trend.reduce((n, p) => n + p.errors, 0)).toBe(14);
    expect((await json(`/api/groups/${fp}/series?range=2h`)).status).toBe(400);
    expect((await json('/api/groups/0123456789abcdef/series')).status).toBe(404);
    expect((await json('/api/groups/0123456789abcdef/tags')).status).toBe(404);
    const detail = await json<GroupDetail>(`/api/groups/${fp}`);
    expect(detail.body).toMatchObject({ first_release: '1.0.0', last_release: '1.1.0', service: 'checkout' });
    expect(detail.body.alerts.map((a) => a.reason)).toContain('new_group');
  });

  it('filters the list by level, service, environment, release and range, and refuses what it does not understand', async () => {
    const titles = async (q: string) =>
      (await json<{ groups: GroupSummary[] }>(`/api/groups?${q}`)).body.groups.map((g) => g.title.split(':')[0]).sort();
    expect(await titles('')).toEqual(['CardError', 'Order <NUM> placed']);
    expect(await titles('level=high')).toEqual(['CardError']);
    expect(await titles('level=all&service=shop')).toEqual(['Order <NUM> placed']);
    expect(await titles('environment=staging')).toEqual(['CardError']);
    expect(await titles('release=7')).toEqual(['Order <NUM> placed']);
    expect(await titles('range=15m&sort=priority')).toEqual(['CardError', 'Order <NUM> placed']);
    expect((await json<{ groups: GroupSummary[] }>('/api/groups?range=15m')).body.groups[0].range_count).toBeGreaterThan(0);
    for (const bad of ['level=loud', 'range=2h', 'sort=size', 'status=open']) {
      const res = await json<{ error: string }>(`/api/groups?${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error).toContain(bad.split('=')[0]);
    }
    expect((await json('/api/facets')).body).toEqual({
      service: ['checkout', 'shop'],
      environment: ['production', 'staging'],
      release: ['1.1.0', '1.0.0', '7'],
    });
  });

  it('resolves in a release, refusing a release that is not one', async () => {
    const post = (body: string) => json<{ error?: string; status?: string }>(`/api/groups/${fp}/resolve`, { method: 'POST', body });
    expect((await post('{"in_version": ""}')).status).toBe(400);
    expect((await post('{"in_version": 3}')).body.error).toContain('in_version');
    expect((await post('not json')).status).toBe(400);
    expect((await post('{"in_version": "1.2.0"}')).body.status).toBe('resolved');
    // The current release is older than the fix: no regression.
    service.ingest([
      record('Card 99 declined', {
        attributes: { 'exception.type': 'CardError' },
        resource: { 'service.name': 'checkout', 'service.version': '1.1.0' },
      }),
    ]);
    await service.forceFlush();
    expect((await json<GroupDetail>(`/api/groups/${fp}`)).body.status).toBe('resolved');
  });

  it('explains what the pipeline kept: seen, sampled out, rate-limited', async () => {
    const { body } = await json<{ pipeline: Record<string, number> }>('/api/stats');
    // Three info events, the first of their group always kept.
    expect(body.pipeline).toEqual({ seen: 18, sampled_out: 2, rate_limited: 0, dropped: 0 });
  });
});
