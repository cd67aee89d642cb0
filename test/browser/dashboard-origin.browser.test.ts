import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../pipeline/service.ts';
import { dashboardService, record } from '../dashboard/helpers.ts';

// A real browser, a page on another origin: it can neither change the dashboard (resolve a
// group by fetch or form) nor read it (events), even by DNS rebinding a name to 127.0.0.1.

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`browser tests skipped: ${CHROMIUM} is missing (run scripts/install-browser.sh)`);

let browser: Browser;
let page: Page;
let service: Service;
let dash = '';
let dashPort = 0;
let attacker: Server;
let attackerOrigin = '';
let fingerprint = '';

const blocked = (reason: string) => service.telemetry.value('unitrack_dashboard_blocked_requests_total', { reason });
const status = async () => ((await (await fetch(`${dash}/api/groups/${fingerprint}`)).json()) as { status: string }).status;

beforeAll(async () => {
  if (!available) return;
  ({ service, url: dash } = await dashboardService());
  dashPort = Number(new URL(dash).port);
  service.ingest([record('Card declined', { attributes: { 'exception.type': 'CardError' } })]);
  await service.forceFlush();
  fingerprint = ((await (await fetch(`${dash}/api/groups`)).json()) as { groups: { fingerprint: string }[] }).groups[0].fingerprint;

  // Another origin: a plain page on another port, reached as localhost (same-site, other port).
  attacker = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>elsewhere</title><iframe name="sink"></iframe>');
  });
  attacker.listen(0, '127.0.0.1');
  await new Promise((r) => attacker.once('listening', r));
  attackerOrigin = `http://localhost:${(attacker.address() as AddressInfo).port}`;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // evil.example resolves to this machine, as a rebinding DNS server would make it.
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--host-resolver-rules=MAP evil.example 127.0.0.1'],
  });
  page = await browser.newPage();
});
afterAll(async () => {
  await browser?.close();
  await service?.shutdown();
  attacker?.close();
});

describe.skipIf(!available)('the dashboard against a page on another origin', () => {
  it('a cross-origin fetch cannot resolve a group, nor read /api/events', async () => {
    await page.goto(`${attackerOrigin}/`);
    const before = blocked('origin');
    const outcome = await page.evaluate(
      async ({ dash, fingerprint }) => {
        // A "simple request": text/plain needs no preflight, so the browser sends it as it is.
        await fetch(`${dash}/api/groups/${fingerprint}/resolve`, {
          method: 'POST',
          mode: 'no-cors',
          headers: { 'content-type': 'text/plain' },
          body: 'x',
        });
        let read: string;
        try {
          read = await (await fetch(`${dash}/api/events`)).text();
        } catch (error) {
          read = `failed: ${(error as Error).name}`;
        }
        let readNoCors: string;
        try {
          readNoCors = await (await fetch(`${dash}/api/events`, { mode: 'no-cors' })).text();
        } catch (error) {
          readNoCors = `failed: ${(error as Error).name}`;
        }
        return { read, readNoCors };
      },
      { dash, fingerprint },
    );
    expect(outcome.read).toBe('failed: TypeError');
    expect(outcome.readNoCors).toBe('');
    expect(outcome.read + outcome.readNoCors).not.toContain('Card declined');
    // The POST and both reads reached the dashboard and were refused there (not merely unread).
    expect(blocked('origin') - before).toBe(3);
    expect(await status()).toBe('unresolved');
  });

  it('a cross-origin form cannot resolve a group', async () => {
    await page.goto(`${attackerOrigin}/`);
    const before = blocked('origin');
    for (const enctype of ['text/plain', 'application/x-www-form-urlencoded']) {
      await page.evaluate(
        ({ action, enctype }) =>
          new Promise<void>((resolve) => {
            const frame = document.querySelector('iframe') as HTMLIFrameElement;
            frame.addEventListener('load', () => resolve(), { once: true });
            const form = document.createElement('form');
            form.method = 'POST';
            form.action = action;
            form.enctype = enctype;
            form.target = 'sink';
            const input = document.createElement('input');
            input.name = 'a';
            input.value = 'b';
            form.append(input);
            document.body.append(form);
            form.submit();
          }),
        { action: `${dash}/api/groups/${fingerprint}/resolve`, enctype },
      );
    }
    expect(blocked('origin') - before).toBe(2);
    expect(await status()).toBe('unresolved');
  });

  it('a page on a rebinding name cannot read the dashboard, though the browser thinks it same-origin', async () => {
    // The attacker's page, first served for evil.example by the attacker, runs on while the name
    // is made to point here: its origin is evil.example:<dashboard port>, so to the browser the
    // dashboard is same-origin. (Here the document itself comes from the dashboard, refused.)
    const rebound = `http://evil.example:${dashPort}`;
    const document = await page.goto(`${rebound}/`);
    expect(document?.status()).toBe(403);
    const before = blocked('host');
    const outcome = await page.evaluate(async () => {
      const events = await fetch('/api/events');
      const stream = await fetch('/api/stream');
      const resolve = await fetch('/api/groups/0000000000000000/resolve', { method: 'POST' });
      const root = await fetch('/');
      return {
        events: [events.status, await events.text()],
        stream: stream.status,
        resolve: resolve.status,
        root: root.status,
      };
    });
    expect(outcome.events[0]).toBe(403);
    expect(outcome.events[1]).toContain('host "evil.example" is not allowed');
    expect(outcome).toMatchObject({ stream: 403, resolve: 403, root: 403 });
    // At least the four fetches (the browser may ask for a favicon too).
    expect(blocked('host') - before).toBeGreaterThanOrEqual(4);
  });

  it("the dashboard's own page still resolves the group", async () => {
    await page.goto(`${dash}/#/issues`);
    const row = page.locator('tr', { hasText: 'CardError: Card declined' });
    await row.getByRole('button', { name: 'Resolve' }).click();
    await expect.poll(status).toBe('resolved');
  });
});
