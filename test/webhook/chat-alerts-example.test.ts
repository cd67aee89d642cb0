import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../cli/components.ts';
import { PipelineRecord } from '../../model/record.ts';
import { SEVERITIES, SEVERITY_NUMBER, SEVERITY_TEXT } from '../../model/severity.ts';
import { resolveConfig } from '../../pipeline/config/service-config.ts';
import { readConfigFiles } from '../../pipeline/config/source.ts';
import { Service } from '../../pipeline/service.ts';
import { tempDir } from '../helpers/tmp.ts';
import { loadFixture, violations } from './fixture-rules.ts';

const file = fileURLToPath(new URL('../../collector-config/examples/chat-alerts.yaml', import.meta.url));

/** A local chat service: the bodies and headers it was sent. */
async function chat() {
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    got.push({ headers: req.headers, body });
    res.writeHead(204).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => server.close() };
}

describe('collector-config/examples/chat-alerts.yaml', () => {
  it('validates against the shipped components', () => {
    const config = resolveConfig(readConfigFiles([file]), defaultRegistry(), {});
    expect([...config.exporters.keys()].sort()).toEqual(['dashboard', 'jsonfile', 'webhook/discord', 'webhook/slack']);
    expect(config.exporters.get('webhook/slack')?.config).toMatchObject({ format: 'slack', endpoint: '', dashboard_url: '' });
    expect(config.exporters.get('webhook/discord')?.config).toMatchObject({ format: 'discord' });
  });

  it('sends high and critical alerts to Slack, critical ones to Discord too, each linking to the dashboard', async () => {
    const slack = await chat();
    const discord = await chat();
    const dir = tempDir();
    const env = {
      UNITRACK_SLACK_WEBHOOK_URL: slack.url,
      UNITRACK_DISCORD_WEBHOOK_URL: discord.url,
      UNITRACK_DASHBOARD_URL: 'https://unitrack.example.com',
      UNITRACK_DASHBOARD_ENDPOINT: '127.0.0.1:0',
      UNITRACK_DATA_DIR: dir,
    };
    const service = new Service(resolveConfig(readConfigFiles([file]), defaultRegistry(), env), { dataDir: dir });
    try {
      const now = Date.now();
      // One new group per severity: only high and critical pass the alert floor.
      const records = SEVERITIES.map(
        (severity, i) =>
          new PipelineRecord({
            hrTime: [Math.floor((now + i) / 1000), ((now + i) % 1000) * 1e6],
            resource: resourceFromAttributes({ 'service.name': 'shop', 'deployment.environment.name': 'production' }),
            instrumentationScope: { name: 't' },
            severityNumber: SEVERITY_NUMBER[severity],
            severityText: SEVERITY_TEXT[severity],
            body: `${severity} trouble in checkout`,
            attributes: { 'user.id': 'u-7' },
          }),
      );
      expect(service.ingest(records)).toBe(true);
      await service.forceFlush();
      const titles = (got: { body: string }[], pick: (b: never) => string) => got.map((g) => pick(JSON.parse(g.body) as never)).sort();
      expect(titles(slack.got, (b: { text: string }) => b.text.split(' ')[0])).toEqual(['[CRITICAL]', '[HIGH]']);
      expect(titles(discord.got, (b: { embeds: { title: string }[] }) => b.embeds[0].title)).toEqual(['critical trouble in checkout']);
      for (const g of slack.got) expect(violations(loadFixture('slack'), g.body)).toEqual([]);
      for (const g of discord.got) expect(violations(loadFixture('discord'), g.body)).toEqual([]);
      for (const g of [...slack.got, ...discord.got]) {
        expect(g.body).toMatch(/https:\/\/unitrack\.example\.com\/#\/group\/[0-9a-f]{16,}/);
        expect(g.headers['webhook-signature']).toBeUndefined();
      }
    } finally {
      await service.shutdown();
      slack.close();
      discord.close();
    }
  });
});
