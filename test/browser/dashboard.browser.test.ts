import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../pipeline/service.ts';
import { dashboardService, record, waitFor } from '../dashboard/helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '..', 'output', 'screenshots');
const available = existsSync(CHROMIUM);
if (!available) console.warn(`browser tests skipped: ${CHROMIUM} is missing (run scripts/install-browser.sh)`);

let browser: Browser;
let page: Page;
let service: Service;
let url: string;
let dir: string;
const executed: string[] = [];

beforeAll(async () => {
  if (!available) return;
  mkdirSync(SHOTS, { recursive: true });
  ({ service, url, dir } = await dashboardService());
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('dialog', (d) => {
    executed.push(d.message());
    void d.dismiss();
  });
});
afterAll(async () => {
  await browser?.close();
  await service?.shutdown();
});

describe.skipIf(!available)('the dashboard in a browser', () => {
  it('shows events live in the tail, escaping HTML and script', async () => {
    await page.goto(`${url}/#/live`);
    await page.waitForSelector('#connection.ok');
    service.ingest([
      record('Memory server failed to respond', {
        attributes: { 'unitrack.category': 'mcp', 'unitrack.component': 'mcp_client' },
        eventName: 'mcp_server_failed',
      }),
      record('<img src=x onerror="alert(1)"><script>alert(2)</script>', {
        attributes: { '<b>key</b>': '<script>alert(3)</script>' },
        eventName: 'xss_attempt',
      }),
    ]);
    await service.forceFlush();
    await page.waitForSelector('text=Memory server failed to respond');
    await page.waitForSelector('text=<script>alert(2)</script>');
    expect(executed).toEqual([]);
    expect(await page.locator('#live-events img').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'live-tail.png'), fullPage: true });
  });

  it('resolves a group and shows MTTR change', async () => {
    for (let i = 0; i < 3; i++)
      service.ingest([record(`Payment ${i} failed`, { attributes: { 'exception.type': 'PaymentError', 'user.id': `u${i}` } })]);
    await service.forceFlush();
    await page.goto(`${url}/#/overview`);
    await page.waitForSelector('#m-errors:not(:text("–"))');
    expect(await page.textContent('#m-mttr')).toBe('–');
    await page.screenshot({ path: join(SHOTS, 'overview-before.png'), fullPage: true });
    await page.goto(`${url}/#/issues`);
    const row = page.locator('tr', { hasText: 'PaymentError: Payment <NUM> failed' });
    await row.waitFor();
    await page.screenshot({ path: join(SHOTS, 'issues.png'), fullPage: true });
    await row.getByRole('button', { name: 'Resolve' }).click();
    await waitFor(() => true);
    await page.goto(`${url}/#/overview`);
    await page.waitForFunction(() => document.getElementById('m-mttr')?.textContent !== '–');
    await page.screenshot({ path: join(SHOTS, 'overview-after.png'), fullPage: true });
  });

  it('shows a group with its events and a trace with every event of it', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    service.ingest([
      record('Checkout failed', {
        attributes: {
          'exception.type': 'CheckoutError',
          'exception.stacktrace': 'CheckoutError: Checkout failed\n    at pay (/app/src/pay.ts:1:1)',
        },
        traceId,
      }),
      record('Called payment service', { severityNumber: 9, traceId }),
    ]);
    await service.forceFlush();
    await page.goto(`${url}/#/issues`);
    await page.locator('a', { hasText: 'CheckoutError: Checkout failed' }).click();
    await page.waitForSelector('#group-event .stack');
    await page.screenshot({ path: join(SHOTS, 'group.png'), fullPage: true });
    await page.locator('a.trace').first().click();
    await page.waitForSelector('#trace-events li >> nth=1');
    expect(await page.locator('#trace-events li').count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'trace.png'), fullPage: true });
  });

  it('resumes the stream after a server restart without gaps or duplicates', async () => {
    await page.goto(`${url}/#/live`);
    await page.waitForSelector('#connection.ok');
    await page.click('#clear');
    service.ingest([record('before restart 1'), record('before restart 2')]);
    await service.forceFlush();
    await page.waitForSelector('text=before restart 2');
    await service.shutdown();
    await page.waitForSelector('#connection.bad');
    // Same data directory, same port: the page's EventSource reconnects with Last-Event-ID.
    const port = new URL(url).port;
    const again = await dashboardService({ dir, dashboard: { endpoint: `127.0.0.1:${port}` } });
    service = again.service;
    service.ingest([record('after restart 1'), record('after restart 2')]);
    await service.forceFlush();
    await page.waitForSelector('text=after restart 2', { timeout: 20_000 });
    const messages = await page.locator('#live-events .message').allTextContents();
    const seen = messages.filter((m) => m.includes('restart'));
    expect(seen).toEqual(['after restart 2', 'after restart 1', 'before restart 2', 'before restart 1']);
    await page.screenshot({ path: join(SHOTS, 'live-after-restart.png'), fullPage: true });
  });
});
