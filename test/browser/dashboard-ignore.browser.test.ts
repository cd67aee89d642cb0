// The dashboard's ignore menu in a browser: each choice sends its condition, and the page shows
// what an ignored group waits for.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupDetail } from '../../model/groups.ts';
import type { Service } from '../../pipeline/service.ts';
import { dashboardService, record } from '../dashboard/helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '..', 'output', 'screenshots');
const available = existsSync(CHROMIUM);

let browser: Browser;
let page: Page;
let service: Service;
let url: string;

beforeAll(async () => {
  if (!available) return;
  mkdirSync(SHOTS, { recursive: true });
  ({ service, url } = await dashboardService());
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});
afterAll(async () => {
  await browser?.close();
  await service?.shutdown();
});

async function group(fp: string): Promise<GroupDetail> {
  return (await (await fetch(`${url}/api/groups/${fp}`)).json()) as GroupDetail;
}

/** Opens the ignore menu inside `scope` and clicks one of its choices (a screenshot of the open menu when named). */
async function ignore(scope: ReturnType<Page['locator']>, choice: string, shot?: string): Promise<void> {
  await scope.locator('details.menu summary', { hasText: 'Ignore' }).click();
  if (shot) await page.screenshot({ path: join(SHOTS, shot) });
  await scope.getByRole('button', { name: choice }).click();
}

describe.skipIf(!available)('the ignore menu', () => {
  it('ignores until 10 more events, 10 more users, for 1 or 24 hours, or until reopened, and says so', async () => {
    for (let i = 0; i < 3; i++)
      service.ingest([record(`Refund ${i} failed`, { attributes: { 'exception.type': 'RefundError', 'user.id': `u${i}` } })]);
    await service.forceFlush();
    const { groups } = (await (await fetch(`${url}/api/groups`)).json()) as { groups: GroupDetail[] };
    const fp = groups.find((g) => g.title.startsWith('RefundError'))?.fingerprint as string;

    await page.goto(`${url}/#/issues`);
    const row = page.locator('tr', { hasText: 'RefundError: Refund <NUM> failed' });
    await row.waitFor();
    await ignore(row, 'until 10 more events', 'issues-ignore-menu.png');
    await row.waitFor({ state: 'detached' }); // the list shows unresolved issues
    expect((await group(fp)).ignored_until).toEqual({ count: 13 });

    await page.selectOption('#issue-status', 'ignored');
    await page.locator('tr', { hasText: 'RefundError' }).locator('.until', { hasText: 'until 13 events' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'issues-ignored-until.png'), fullPage: true });

    await page.goto(`${url}/#/group/${fp}`);
    await page.locator('#group-meta', { hasText: 'ignored until 13 events' }).waitFor();
    const actions = page.locator('#group-actions');
    await ignore(actions, 'until 10 more users');
    await page.locator('#group-meta', { hasText: 'ignored until 13 users' }).waitFor();
    expect((await group(fp)).ignored_until).toEqual({ users: 13 });

    for (const [choice, hours] of [
      ['for 1 hour', 1],
      ['for 24 hours', 24],
    ] as const) {
      const before = Date.now();
      await ignore(actions, choice);
      await page.waitForFunction(
        async ([base, h]) => {
          const g = await (await fetch(`/api/groups/${base}`)).json();
          return g.ignored_until?.time !== undefined && Date.parse(g.ignored_until.time) >= Date.now() + h * 3_600_000 - 60_000;
        },
        [fp, hours] as const,
      );
      const time = Date.parse((await group(fp)).ignored_until?.time as string);
      expect(time).toBeGreaterThanOrEqual(before + hours * 3_600_000 - 5000);
      expect(time).toBeLessThanOrEqual(Date.now() + hours * 3_600_000 + 5000);
    }
    await page.screenshot({ path: join(SHOTS, 'group-ignored-until.png'), fullPage: true });

    await ignore(actions, 'until reopened');
    await page.waitForFunction(async (base) => (await (await fetch(`/api/groups/${base}`)).json()).ignored_until === undefined, fp);
    await page.locator('#group-meta', { hasText: '· ignored ·' }).waitFor(); // the page re-renders after the answer
    await actions.getByRole('button', { name: 'Reopen' }).click();
    await page.locator('#group-meta', { hasText: '· unresolved ·' }).waitFor();
  });
});
