import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DASHBOARD_KEY } from '../../exporters/dashboard/dashboard-exporter.ts';
import { Service } from '../../pipeline/service.ts';
import { flushTracking, initTracking, shutdownTracking, track, trackError } from '../../sdk/index.ts';
import { loadServiceConfig } from '../helpers/load-config.ts';
import { recordResult } from '../helpers/reliability-summary.ts';
import { tempDir } from '../helpers/tmp.ts';

const SECRETS = {
  password: 'hunter2-Secret!',
  bearer: 'Bearer abc123DEF456ghi789JKL',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  card: '4111 1111 1111 1111',
  cookie: 'session=s%3Aq8f7d6s5a4',
  apiKeyInUrl: 'https://api.example.com/v1/charge?api_key=sk_live_51Habcdef0123456789',
};

/** Every destination at once: webhook body, OTLP output (a second collector), JSON lines, blog, dashboard. */
const dir = tempDir();
const webhookBodies: string[] = [];
const hook = createServer(async (req, res) => {
  let body = '';
  for await (const c of req) body += c;
  webhookBodies.push(body);
  res.writeHead(200).end();
});
hook.listen(0, '127.0.0.1');
await once(hook, 'listening');
const backend = new Service(
  loadServiceConfig({
    receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } } },
    exporters: { jsonfile: { path: join(dir, 'backend.jsonl') } },
    service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['jsonfile'] } } },
  }),
  { mode: 'collector' },
);
await backend.start();
afterAll(async () => {
  hook.close();
  await backend.shutdown();
});

describe('secrets never leave the process', () => {
  it('are redacted before every exporter', async () => {
    initTracking({
      serviceName: 'secretive',
      handleSignals: false,
      dataDir: dir,
      config: {
        receivers: { otlp: {} },
        processors: {
          redaction: {},
          fingerprint: { store: { path: join(dir, 'groups.db') }, alerts: { min_severity: 'debug', cooldown: 0 } },
        },
        exporters: {
          jsonfile: { path: join(dir, 'events.jsonl') },
          blog: { directory: join(dir, 'blog') },
          webhook: {
            endpoint: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`,
            secret: `whsec_${randomBytes(24).toString('base64')}`,
          },
          dashboard: { endpoint: '127.0.0.1:0', store: { path: join(dir, 'dashboard.db') } },
          otlp_http: { endpoint: `http://127.0.0.1:${backend.receivers.get('otlp')?.address?.port}`, encoding: 'json' },
        },
        service: {
          pipelines: {
            logs: {
              receivers: ['otlp'],
              processors: ['redaction', 'fingerprint'],
              exporters: ['jsonfile', 'blog', 'webhook', 'dashboard', 'otlp_http'],
            },
          },
        },
      },
    });
    track({
      event: 'login_failed',
      severity: 'high',
      message: `login for bob failed with password=${SECRETS.password} and ${SECRETS.bearer}`,
      metadata: {
        password: SECRETS.password,
        headers: { authorization: SECRETS.bearer, cookie: SECRETS.cookie },
        token: SECRETS.jwt,
        card: SECRETS.card,
        url: SECRETS.apiKeyInUrl,
        note: `card ${SECRETS.card} and jwt ${SECRETS.jwt}`,
      },
    });
    trackError('charge_failed', new Error(`charge to ${SECRETS.card} failed at ${SECRETS.apiKeyInUrl}`));
    await flushTracking();
    const { embeddedService } = await import('../../sdk/index.ts');
    const dashboard = embeddedService()?.host.shared.get(DASHBOARD_KEY) as { url: string };
    const api = await (await fetch(`${dashboard.url}/api/events?limit=100`)).text();
    await shutdownTracking();
    await backend.forceFlush();

    const outputs: Record<string, string> = {
      jsonl: readFileSync(join(dir, 'events.jsonl'), 'utf8'),
      blog: readdirSync(join(dir, 'blog'))
        .map((f) => readFileSync(join(dir, 'blog', f), 'utf8'))
        .join('\n'),
      webhook: webhookBodies.join('\n'),
      dashboard: api,
      otlp: readFileSync(join(dir, 'backend.jsonl'), 'utf8'),
    };
    for (const [name, text] of Object.entries(outputs)) {
      expect(text.length, `${name} got the events`).toBeGreaterThan(100);
      for (const [kind, secret] of Object.entries(SECRETS)) {
        const needle =
          kind === 'bearer'
            ? secret.slice(7)
            : kind === 'card'
              ? '4111'
              : kind === 'apiKeyInUrl'
                ? 'sk_live_51H'
                : kind === 'cookie'
                  ? 's%3Aq8f7d6s5a4'
                  : secret;
        expect(text.includes(needle), `${kind} leaked into ${name}`).toBe(false);
      }
    }
    expect(outputs.jsonl).toContain('[REDACTED]');
    recordResult({
      area: 'security',
      check: 'redaction before every exporter',
      detail: `${Object.keys(SECRETS).length} kinds of secret × ${Object.keys(outputs).length} destinations, none leaked`,
    });
  });
});
