// Triage from the dashboard alone, in Chromium, with realistic data (test/browser/realistic-data.ts):
// the first run, the Overview explained, the Issues list's filters in the URL, bulk actions and
// the keyboard, the issue page (one event at a time, tags, alerts, actions), the live tail. Every
// view is checked for console errors, and screenshotted at 1280 px and at a phone's width.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupDetail, GroupSummary } from '../../model/groups.ts';
import type { Service } from '../../pipeline/service.ts';
import { dashboardService, record } from '../dashboard/helpers.ts';
import { available, launch, PHONE, SHOTS, shot, WIDE, watchedPage } from './browser-harness.ts';
import { ingestRealisticData } from './realistic-data.ts';

let browser: Browser;
let service: Service;
let url: string;
/** The sampler drops every info and debug event, the rate limiter all but 10 of a group a minute: the Overview must explain both. */
const AFTER = {
  sampler: { rates: { critical: 1, high: 1, medium: 1, low: 1, info: 0, debug: 0 } },
  rate_limiter: { per_group: { limit: 10, window: '1m' } },
};

beforeAll(async () => {
  if (!available) return;
  browser = await launch();
  ({ service, url } = await dashboardService({ after: AFTER }));
  expect(await ingestRealisticData(service)).toBe(50);
});
afterAll(async () => {
  await browser?.close();
  await service?.shutdown();
});

async function groups(query = 'limit=200'): Promise<GroupSummary[]> {
  return ((await (await fetch(`${url}/api/groups?${query}`)).json()) as { groups: GroupSummary[] }).groups;
}
async function group(fp: string): Promise<GroupDetail> {
  return (await (await fetch(`${url}/api/groups/${fp}`)).json()) as GroupDetail;
}
async function fingerprintOf(titleStart: string): Promise<string> {
  const g = (await groups()).find((x) => x.title.startsWith(titleStart));
  if (!g) throw new Error(`no group ${titleStart}`);
  return g.fingerprint;
}
async function rowTitles(page: Page): Promise<string[]> {
  return page.locator('#issue-rows a.issue-link').allTextContents();
}
/** At a phone's width nothing is wider than the screen (no sideways scrolling). */
async function fitsPhone(page: Page): Promise<void> {
  await page.setViewportSize(PHONE);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
}
function hashOf(page: Page): string {
  return new URL(page.url()).hash;
}

describe.skipIf(!available)('a team triaging from the dashboard', () => {
  it('shows a first run how to send its first event, with no console errors', async () => {
    const empty = await dashboardService();
    const { page, problems } = await watchedPage(browser);
    try {
      await page.goto(`${empty.url}/#/overview`);
      const panel = page.locator('#first-run');
      await panel.waitFor();
      const text = await panel.textContent();
      expect(text).toContain("track({ event: 'signup_failed'");
      expect(text).toContain('http://127.0.0.1:4318/v1/logs');
      expect(text).toContain('unitrack send');
      expect(await page.locator('#overview-body').isHidden()).toBe(true);
      await shot(page, 'first-run.png');
      // The favicon is served (no 404 in the console).
      expect((await fetch(`${empty.url}/favicon.ico`)).headers.get('content-type')).toBe('image/svg+xml');
      // The first event replaces the panel on the next refresh (the range change re-renders now).
      empty.service.ingest([record('Hello from unitrack')]);
      await empty.service.forceFlush();
      await page.selectOption('#range', '24h');
      await page.locator('#first-run').waitFor({ state: 'detached' });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
      await empty.service.shutdown();
    }
  });

  it('explains the Overview: a legend, a time axis, a readout, MTTR, and what sampling and rate limiting kept', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${url}/#/overview`);
    await page.locator('#pipeline-flow').waitFor();
    expect(await page.locator('#trend .legend').textContent()).toContain('errors (high, critical, or with an exception)');
    const ticks = await page.locator('#trend .axis-x span').allTextContents();
    expect(ticks).toHaveLength(5);
    expect(ticks[4]).toBe('now');
    const plot = page.locator('#trend .plot');
    const box = (await plot.boundingBox()) as { x: number; y: number; width: number; height: number };
    await page.mouse.move(box.x + box.width - 3, box.y + box.height / 2);
    await page.locator('#trend .readout', { hasText: /: \d+ events, \d+ errors$/ }).waitFor();
    expect(await page.textContent('#m-mttr-sub')).toBe('no resolved issues yet in this range');
    expect(await page.textContent('#m-share')).toContain('of 50 events (counted before sampling)');
    const stats = (await (await fetch(`${url}/api/stats`)).json()) as {
      pipeline: { seen: number; sampled_out: number; rate_limited: number };
    };
    // 14 info and debug events, less the first of each of their 3 groups (a new group is always kept).
    // The rate limiter counts by event time: these events, minutes apart, stay under 10 a minute.
    expect(stats.pipeline).toEqual({ seen: 50, sampled_out: 11, rate_limited: 0, dropped: 0 });
    expect(await page.textContent('[data-flow="seen"]')).toBe('50');
    expect(await page.textContent('[data-flow="sampled out"]')).toBe('11');
    expect(await page.textContent('[data-flow="rate-limited"]')).toBe('0');
    expect(await page.textContent('[data-flow="kept"]')).toBe('39');
    await page.mouse.move(0, 0);
    await shot(page, 'overview.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'overview-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });
    await fitsPhone(page);
    await shot(page, 'overview-phone.png');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lists issues by priority at high and above, with every filter in the URL so a link reproduces the view', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${url}/#/issues`);
    await page.locator('#issue-rows tr').first().waitFor();
    let titles = await rowTitles(page);
    expect(titles[0]).toBe('TimeoutError: Query timed out after <NUM> ms'); // critical first
    expect(titles).toHaveLength(4);
    expect(titles.some((t) => t.includes('placed'))).toBe(false);
    await shot(page, 'issues.png');

    await page.click('#issue-all-levels');
    await page.locator('#issue-rows a', { hasText: 'Order <NUM> placed' }).waitFor();
    expect(hashOf(page)).toContain('level=all');
    expect(await rowTitles(page)).toHaveLength(9);

    await page.selectOption('#issue-service', 'web-frontend');
    await page.waitForFunction(() => location.hash.includes('service=web-frontend'));
    await page.locator('#issue-rows a', { hasText: 'Order <NUM> placed' }).waitFor({ state: 'detached' });
    titles = await rowTitles(page);
    expect(titles.sort()).toEqual(["TypeError: Cannot read properties of undefined (reading 'price')", 'User user-<NUM> logged in']);

    await page.selectOption('#issue-environment', 'staging');
    await page.waitForFunction(() => location.hash.includes('environment=staging'));
    await page.locator('#issues-empty').waitFor({ state: 'visible' });

    // The link alone reproduces the view in a fresh page.
    const link = `${url}/${hashOf(page).replace('environment=staging', 'environment=production')}&release=2.0.1&sort=count`;
    const { page: other, problems: otherProblems } = await watchedPage(browser);
    await other.goto(link);
    await other.locator('#issue-rows tr').first().waitFor();
    expect(await other.inputValue('#issue-service')).toBe('web-frontend');
    expect(await other.inputValue('#issue-environment')).toBe('production');
    expect(await other.inputValue('#issue-release')).toBe('2.0.1');
    expect(await other.inputValue('#issue-level')).toBe('all');
    expect(await other.inputValue('#issue-sort')).toBe('count');
    expect((await rowTitles(other)).sort()).toEqual([
      "TypeError: Cannot read properties of undefined (reading 'price')",
      'User user-<NUM> logged in',
    ]);

    // Clear filters goes back to the defaults.
    await other.click('#issue-clear');
    await other.locator('#issue-rows a', { hasText: 'TimeoutError' }).waitFor();
    expect(await other.inputValue('#issue-level')).toBe('high');
    expect(await other.locator('#issue-clear').isHidden()).toBe(true);

    // The range applies: in 15 minutes the checkout group counts only its recent events.
    await other.goto(`${url}/#/issues?range=15m`);
    const row = other.locator('tr', { hasText: 'PaymentDeclinedError' });
    await row.waitFor();
    expect(await other.inputValue('#range')).toBe('15m');
    const inRange = Number(await row.locator('td.num').first().textContent());
    expect(inRange).toBeGreaterThan(0);
    expect(inRange).toBeLessThan(15);
    await fitsPhone(other);
    await shot(other, 'issues-phone.png');
    expect(problems).toEqual([]);
    expect(otherProblems).toEqual([]);
    await page.close();
    await other.close();
  });

  it('moves through the list with j and k and opens an issue with enter', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${url}/#/issues`);
    await page.locator('#issue-rows tr').first().waitFor();
    const fps = await page.locator('#issue-rows tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.fingerprint));
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    await page.keyboard.press('j');
    expect(await page.locator('#issue-rows tr.cursor').getAttribute('data-fingerprint')).toBe(fps[1]);
    await page.keyboard.press('Enter');
    await page.waitForFunction((fp) => location.hash.startsWith(`#/group/${fp}`), fps[1]);
    await page.locator('#event-position').waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows an issue one event at a time, with its chart, tags, releases and alerts', async () => {
    const fp = await fingerprintOf('PaymentDeclinedError');
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${url}/#/group/${fp}`);
    const position = page.locator('#event-position');
    await position.waitFor();
    expect(await position.textContent()).toContain('event #15 · 11 stored');
    const nav = page.locator('.event-nav');
    await nav.getByRole('button', { name: 'Previous' }).click();
    await page.locator('#event-position', { hasText: /^event #14 ·/ }).waitFor();
    expect(hashOf(page)).toContain('event=14');
    await nav.getByRole('button', { name: 'Oldest' }).click();
    await page.locator('#event-position', { hasText: /^event #1 ·/ }).waitFor();
    await nav.locator('button[disabled]', { hasText: 'Previous' }).waitFor(); // nothing older
    await nav.getByRole('button', { name: 'Next' }).click();
    await page.locator('#event-position', { hasText: /^event #6 ·/ }).waitFor(); // the ring holds 6..15
    await page.keyboard.press('p');
    await page.locator('#event-position', { hasText: /^event #1 ·/ }).waitFor();
    await nav.getByRole('button', { name: 'Latest' }).click();
    await page.locator('#event-position', { hasText: /^event #15 ·/ }).waitFor();

    // The stack: the application's two frames emphasised, the dependency's and runtime's folded.
    expect(await page.locator('#group-event .frame-app').allTextContents()).toEqual([
      'at chargeCard (/srv/shop/src/payments/charge.ts:42:11)',
      'at async placeOrder (/srv/shop/src/orders/place-order.ts:88:5)',
    ]);
    expect(await page.locator('#group-event .frames-other summary').textContent()).toBe('3 other frames (dependencies, runtime)');
    expect(await page.locator('#group-event .frames-other pre').isVisible()).toBe(false);
    // Attributes as a table, the pipeline's own left out; the resource beside them.
    const keys = await page.locator('#group-event table.kv th').allTextContents();
    expect(keys).toContain('payment.provider');
    expect(keys).toContain('host.name');
    expect(keys.filter((k) => k.startsWith('unitrack.'))).toEqual([]);
    expect(await page.locator('#group-event').textContent()).not.toContain('unitrack.alert');

    // Exact tags: releases, services, users.
    const release = page.locator('#group-tags [data-tag="release"]');
    expect(await release.locator('.bar-label').allTextContents()).toEqual(['1.4.2', '1.4.1']);
    expect(await release.locator('.num').allTextContents()).toEqual(['67%', '33%']);
    expect(await page.locator('#group-tags [data-tag="user"] h4').textContent()).toContain('6 values');
    expect(await page.textContent('#group-seen')).toMatch(/First seen .* in 1\.4\.1 · Last seen .* in 1\.4\.2/);
    // Any attribute, sampled over the stored events and said so.
    await page.selectOption('#tag-attribute', 'payment.provider');
    await page.locator('[data-tag="attribute"] p', { hasText: 'Sampled: counted over the 10 stored events' }).waitFor();
    expect(hashOf(page)).toContain('attribute=payment.provider');
    expect(await page.locator('[data-tag="attribute"] .bar-label').allTextContents()).toEqual(['stripe', 'adyen']);
    // The issue's own chart over the range, and its alerts.
    expect(await page.locator('#group-chart .legend').textContent()).toContain('events');
    expect(await page.locator('#group-chart rect.bar-errors').count()).toBeGreaterThan(0);
    expect(await page.locator('#group-alerts').textContent()).toContain('new group');
    await shot(page, 'issue.png');
    await page.mouse.move(2, 890); // no button hovered in the picture
    await page.screenshot({ path: join(SHOTS, 'readme-issue.png') }); // the README's picture (docs/dashboard-issue.png): what fits a screen
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'issue-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });
    await fitsPhone(page);
    await shot(page, 'issue-phone.png');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('ignores an issue until a count, or until users or a time, from its page', async () => {
    const fp = await fingerprintOf('TypeError');
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${url}/#/group/${fp}`);
    const actions = page.locator('#group-actions');
    await actions.locator('details.menu summary', { hasText: 'Ignore' }).click();
    await actions.getByLabel('more events').fill('5');
    await actions.getByRole('button', { name: 'Ignore until then' }).click();
    await page.locator('#group-meta', { hasText: 'ignored until 10 events' }).waitFor();
    expect((await group(fp)).ignored_until).toEqual({ count: 10 });

    await actions.locator('details.menu summary', { hasText: 'Ignore again' }).click();
    await actions.getByLabel('more users').fill('3');
    await actions.getByLabel('until a time').fill('2030-01-01T10:00');
    await actions.getByRole('button', { name: 'Ignore until then' }).click();
    await page.waitForFunction(async (f) => (await (await fetch(`/api/groups/${f}`)).json()).ignored_until?.users === 8, fp);
    const until = (await group(fp)).ignored_until;
    expect(until?.users).toBe(8);
    expect(Date.parse(until?.time as string)).toBe(new Date(2030, 0, 1, 10, 0).getTime());
    // Nothing given: the form says so instead of sending.
    await actions.locator('details.menu summary', { hasText: 'Ignore again' }).click();
    await actions.getByRole('button', { name: 'Ignore until then' }).click();
    await actions.locator('.ignore-form .error', { hasText: 'Give a count' }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('resolves in the next release: the old release does not reopen the issue, the new one does', async () => {
    const fp = await fingerprintOf('PaymentDeclinedError');
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${url}/#/group/${fp}`);
    const actions = page.locator('#group-actions');
    await actions.locator('summary', { hasText: 'Resolve in next release' }).click();
    // The release after the last one seen is offered.
    expect(await actions.getByLabel('the release the fix ships in').inputValue()).toBe('1.4.3');
    await actions.getByLabel('the release the fix ships in').fill('1.5.0');
    await actions.getByRole('button', { name: 'Resolve in this release' }).click();
    await page.locator('#group-meta', { hasText: '· resolved ·' }).waitFor();
    const event = (release: string) =>
      record('Card declined for order 4411', {
        attributes: {
          'exception.type': 'PaymentDeclinedError',
          'exception.stacktrace': (
            [
              'PaymentDeclinedError: Card declined for order 4411',
              '    at chargeCard (/srv/shop/src/payments/charge.ts:42:11)',
              '    at async placeOrder (/srv/shop/src/orders/place-order.ts:88:5)',
            ] as string[]
          ).join('\n'),
          'unitrack.component': 'payments',
          'unitrack.category': 'error',
        },
        eventName: 'payment_failed',
        resource: { 'service.name': 'checkout-api', 'service.version': release, 'deployment.environment.name': 'production' },
      });
    service.ingest([event('1.4.2')]);
    await service.forceFlush();
    expect((await group(fp)).status).toBe('resolved');
    service.ingest([event('1.5.0')]);
    await service.forceFlush();
    const after = await group(fp);
    expect(after.status).toBe('unresolved');
    expect(after.alerts[0].reason).toBe('regression');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('resolves and ignores several issues at once', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${url}/#/issues?level=all`);
    await page.locator('#issue-rows tr').first().waitFor();
    for (const title of ['Slow query on orders', 'Webhook delivery'])
      await page.locator('tr', { hasText: title }).locator('input.pick').check();
    expect(await page.textContent('#bulk-count')).toBe('2 selected');
    await page.getByRole('button', { name: 'Resolve selected' }).click();
    await page.locator('#bulk-result', { hasText: '2 resolved' }).waitFor();
    await page.locator('tr', { hasText: 'Webhook delivery' }).waitFor({ state: 'detached' });
    const resolved = await groups('status=resolved');
    expect(resolved.map((g) => g.title).sort()).toEqual([
      'Slow query on orders took <NUM> ms',
      'Webhook delivery to partner failed: <NUM>',
    ]);

    const ignoredBefore = (await groups('status=ignored')).length;
    await page.locator('#issue-select-all').check();
    const shown = await page.locator('#issue-rows tr').count();
    await page.locator('#bulk summary', { hasText: 'Ignore selected' }).click();
    await page.locator('#bulk').getByRole('button', { name: 'for 24 hours' }).click();
    await page.locator('#bulk-result', { hasText: `${shown} ignored` }).waitFor();
    expect((await groups('status=ignored')).length).toBe(ignoredBefore + shown);
    await page.locator('#issues-empty').waitFor({ state: 'visible' });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('tails live in event-time order, rows open to their attributes, a histogram by severity, the filter in the URL', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${url}/#/live?level=high`);
    await page.waitForSelector('#connection.ok');
    expect(await page.inputValue('#live-severity')).toBe('high');
    const now = Date.now();
    // The later event arrives first: the tail orders by event time, not arrival.
    service.ingest([
      record('Late arrival, later time', {
        time: now + 2000,
        attributes: { 'order.id': 'o-2' },
        traceId: '0af7651916cd43dd8448eb211c80319c',
      }),
    ]);
    await service.forceFlush();
    service.ingest([record('Early time, arrives second', { time: now + 1000, attributes: { 'order.id': 'o-1' } })]);
    service.ingest([record('An info line the filter hides', { severityNumber: 9, time: now + 3000 })]);
    await service.forceFlush();
    await page.locator('#live-events .message', { hasText: 'Early time, arrives second' }).waitFor();
    const messages = await page.locator('#live-events .message').allTextContents();
    expect(messages.indexOf('Late arrival, later time')).toBeLessThan(messages.indexOf('Early time, arrives second'));
    expect(messages).not.toContain('An info line the filter hides');
    const severities = await page.locator('#live-events .sev').allTextContents();
    expect(new Set(severities)).toEqual(new Set(['HIGH', 'CRITICAL'].filter((s) => severities.includes(s))));

    const row = page.locator('#live-events li', { hasText: 'Late arrival, later time' });
    await row.locator('summary').click();
    await row.locator('table.kv th', { hasText: 'order.id' }).waitFor();
    expect(await row.locator('.ids a.trace').textContent()).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(await page.locator('#live-histogram rect').count()).toBeGreaterThan(0);
    expect(await page.locator('#live-histogram .legend').textContent()).toMatch(/high \d+/);

    await page.fill('#live-search', 'Late arrival');
    await page.waitForFunction(() => location.hash.includes('q=Late'));
    expect(await page.locator('#live-events > li').count()).toBe(1);
    await page.keyboard.press('Escape');
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    expect(await page.locator('#live-events li.cursor details').getAttribute('open')).toBeNull(); // it was open: enter closes it
    await shot(page, 'live-tail-triage.png');
    await fitsPhone(page);
    await shot(page, 'live-tail-phone.png');
    await page.setViewportSize(WIDE);
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe.skipIf(!available)('the live tail after a long disconnect', () => {
  it('says how many events the stream missed when it resets, as Loki does with dropped_entries', async () => {
    const first = await dashboardService({ dashboard: { retry: 3000 } });
    const { page, problems } = await watchedPage(browser);
    let second: Awaited<ReturnType<typeof dashboardService>> | undefined;
    try {
      await page.goto(`${first.url}/#/live`);
      await page.waitForSelector('#connection.ok');
      first.service.ingest([record('before the gap')]);
      await first.service.forceFlush();
      await page.locator('#live-events .message', { hasText: 'before the gap' }).waitFor();
      await first.service.shutdown();
      await page.waitForSelector('#connection.bad');
      // The same store and port, a ring of 5: 20 events arrive before the page is back.
      second = await dashboardService({
        dir: first.dir,
        dashboard: { endpoint: `127.0.0.1:${new URL(first.url).port}`, buffer_size: 5, retry: 3000 },
      });
      second.service.ingest(Array.from({ length: 20 }, (_, i) => record(`during the gap ${i}`)));
      await second.service.forceFlush();
      const banner = page.locator('#live-reset');
      await banner.waitFor({ state: 'visible', timeout: 20_000 });
      expect(await banner.textContent()).toContain('20 events arrived while this page was away');
      await page.locator('#live-events .message', { hasText: 'during the gap 19' }).waitFor();
      await shot(page, 'live-tail-reset.png');
      expect(problems.filter((p) => !p.includes('ERR_CONNECTION_REFUSED') && !p.includes('/api/stream'))).toEqual([]);
    } finally {
      await page.close();
      await second?.service.shutdown();
    }
  });
});
