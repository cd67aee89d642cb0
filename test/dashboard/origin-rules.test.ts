import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_KEY } from '../../exporters/dashboard/dashboard-exporter.ts';
import type { ConfigError } from '../../pipeline/config/config-error.ts';
import { Service } from '../../pipeline/service.ts';
import { loadServiceConfig } from '../helpers/load-config.ts';
import { tempDir } from '../helpers/tmp.ts';
import { record, waitFor } from './helpers.ts';

// Loopback is not a security boundary for a browser: the dashboard serves only its own Host
// names, and answers its API and any state-changing request only to its own page (or to clients
// that are not browsers), whether or not a token is set, embedded and in the collector.

interface Answer {
  status: number;
  type: string;
  body: string;
}

/** A raw request, so that Host, Origin and Sec-Fetch-Site are exactly what a browser would send. */
function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (res) => {
      // The stream never ends: its status and first bytes are enough.
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        resolve({ status: res.statusCode ?? 0, type: 'text/event-stream', body: '' });
        res.destroy();
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const TOKEN = 'origin-test-token';

describe.each([
  ['embedded', undefined],
  ['collector', undefined],
  ['embedded', TOKEN],
  ['collector', TOKEN],
] as const)('the dashboard (%s, token %s)', (mode, token) => {
  let service: Service;
  let port = 0;
  let own = '';
  let fingerprint = '';
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};

  beforeAll(async () => {
    const dir = tempDir();
    service = new Service(
      loadServiceConfig({
        receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0' } } } },
        processors: { fingerprint: { store: { path: join(dir, 'groups.db') } } },
        exporters: {
          dashboard: {
            endpoint: '127.0.0.1:0',
            store: { path: join(dir, 'dashboard.db') },
            allowed_hosts: ['dash.example', '.corp.example'],
            ...(token ? { token } : {}),
          },
        },
        service: { pipelines: { logs: { receivers: ['otlp'], processors: ['fingerprint'], exporters: ['dashboard'] } } },
      }),
      { mode, dataDir: dir },
    );
    if (mode === 'collector') await service.start();
    await waitFor(() => service.host.shared.has(DASHBOARD_KEY));
    port = service.host.shared.get(DASHBOARD_KEY)!.port;
    own = `127.0.0.1:${port}`;
    service.ingest([record('Payment failed', { attributes: { 'exception.type': 'PaymentError' } })]);
    await service.forceFlush();
    const groups = JSON.parse((await send(port, 'GET', '/api/groups', { host: own, ...auth })).body) as {
      groups: { fingerprint: string }[];
    };
    fingerprint = groups.groups[0].fingerprint;
  });
  afterAll(() => service.shutdown());

  const status = async () =>
    (JSON.parse((await send(port, 'GET', `/api/groups/${fingerprint}`, { host: own, ...auth })).body) as { status: string }).status;
  const blocked = (reason: string) => service.telemetry.value('unitrack_dashboard_blocked_requests_total', { reason });

  it('refuses a foreign Host (DNS rebinding) on the page, the API and the stream', async () => {
    const before = blocked('host');
    for (const path of ['/', '/app.js', '/api/events', '/api/groups', '/api/stream', '/metrics']) {
      const res = await send(port, 'GET', path, { host: `evil.example:${port}`, ...auth });
      expect(res.status, path).toBe(403);
      expect(res.type).toMatch(/^text\/plain/);
      expect(res.body).toContain('host "evil.example" is not allowed');
    }
    expect(blocked('host') - before).toBe(6);
    // Supervisors probe health by whatever name they know it: no data there.
    expect((await send(port, 'GET', '/healthz', { host: 'unitrack.internal' })).status).toBe(200);
  });

  it('serves its address, localhost and the allowed hosts', async () => {
    for (const host of [
      own,
      `localhost:${port}`,
      'app.localhost',
      `[::1]:${port}`,
      'dash.example',
      `a.corp.example:${port}`,
      'corp.example',
    ]) {
      const res = await send(port, 'GET', '/api/events', { host, ...auth });
      expect(res.status, host).toBe(200);
    }
    for (const host of ['evilcorp.example', 'dash.example.evil.example', 'localhost.evil.example', 'x@127.0.0.1']) {
      expect((await send(port, 'GET', '/api/events', { host, ...auth })).status, host).toBe(403);
    }
  });

  it('refuses a cross-origin text/plain POST that would resolve a group', async () => {
    const before = blocked('origin');
    const path = `/api/groups/${fingerprint}/resolve`;
    const simple = { host: own, 'content-type': 'text/plain', ...auth };
    const attempts: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
      // Another server on localhost is "same-site": refused as well.
      { origin: 'http://localhost:3000', 'sec-fetch-site': 'same-site' },
      { origin: 'http://127.0.0.1:3000' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of attempts) {
      const res = await send(port, 'POST', path, { ...simple, ...headers }, 'x');
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.body).toContain('another web origin');
    }
    expect(blocked('origin') - before).toBe(attempts.length);
    expect(await status()).toBe('unresolved');
    // A form's POST (application/x-www-form-urlencoded) is refused the same way.
    const form = await send(
      port,
      'POST',
      path,
      { host: own, 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example', ...auth },
      'a=1',
    );
    expect(form.status).toBe(403);
    expect(await status()).toBe('unresolved');
  });

  it("takes the page's own POST and a client that is not a browser", async () => {
    const path = `/api/groups/${fingerprint}`;
    const page = await send(port, 'POST', `${path}/resolve`, {
      host: own,
      origin: `http://${own}`,
      'sec-fetch-site': 'same-origin',
      ...auth,
    });
    expect(page.status).toBe(200);
    expect(await status()).toBe('resolved');
    // No Origin, no Sec-Fetch-Site: curl, scripts, the CLI.
    expect((await send(port, 'POST', `${path}/reopen`, { host: own, ...auth })).status).toBe(200);
    expect(await status()).toBe('unresolved');
    // Origin only (browsers before Sec-Fetch-Site): it must be the dashboard's own.
    expect(
      (await send(port, 'POST', `${path}/resolve`, { host: `localhost:${port}`, origin: `http://localhost:${port}`, ...auth })).status,
    ).toBe(200);
    expect((await send(port, 'POST', `${path}/reopen`, { host: own, origin: `http://localhost:${port}`, ...auth })).status).toBe(403);
    expect((await send(port, 'POST', `${path}/reopen`, { host: own, ...auth })).status).toBe(200);
  });

  it('applies the same rules to the stream and the API reads', async () => {
    const own_ = { host: own, ...auth };
    expect((await send(port, 'GET', '/api/stream', { ...own_, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await send(port, 'GET', '/api/stream', { ...own_, 'sec-fetch-site': 'none' })).status).toBe(200);
    expect((await send(port, 'GET', '/api/stream', { ...own_, origin: 'http://evil.example' })).status).toBe(403);
    expect((await send(port, 'GET', '/api/stream', { ...own_, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await send(port, 'GET', '/api/events', { ...own_, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    // The page itself may be linked from anywhere (a notification, a chat message).
    expect((await send(port, 'GET', '/', { host: own, 'sec-fetch-site': 'cross-site' })).status).toBe(200);
  });

  it.runIf(token)('refuses another origin even with the right token', async () => {
    expect(
      (
        await send(
          port,
          'POST',
          `/api/groups/${fingerprint}/resolve`,
          { host: own, authorization: `Bearer ${TOKEN}`, origin: `http://localhost:${port + 1}` },
          '',
        )
      ).status,
    ).toBe(403);
    const session = await send(
      port,
      'POST',
      '/api/session',
      { host: own, origin: 'http://evil.example' },
      JSON.stringify({ token: TOKEN }),
    );
    expect(session.status).toBe(403);
    expect(await status()).toBe('unresolved');
  });
});

describe('allowed_hosts', () => {
  it('takes host names and .domains, and refuses a URL or a port', () => {
    const config = (allowed_hosts: unknown) => ({
      receivers: { otlp: {} },
      exporters: { dashboard: { endpoint: '127.0.0.1:0', allowed_hosts } },
      service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['dashboard'] } } },
    });
    expect(() => loadServiceConfig(config(['dash.example', '.corp.example', 'box']))).not.toThrow();
    for (const bad of ['http://dash.example', 'dash.example:4319', '', 'a b']) {
      try {
        loadServiceConfig(config([bad]));
        expect.unreachable(bad);
      } catch (error) {
        expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['exporters.dashboard.allowed_hosts[0]']);
      }
    }
  });
});

/** Starts a process and waits for the dashboard URL it prints. */
async function dashboardProcess(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c) => (output += c));
  child.stderr?.on('data', (c) => (output += c));
  await waitFor(() => /dashboard\s+(?:at\s+)?http:\/\/127\.0\.0\.1:\d+/.test(output) || child.exitCode !== null, 'the dashboard URL');
  const m = /dashboard\s+(?:at\s+)?http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
  if (!m) throw new Error(`no dashboard URL in:\n${output}`);
  return { child, port: Number(m[1]) };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

describe.each([
  [
    'an application with unitrack embedded',
    (dir: string) => {
      const app = join(dir, 'app.ts');
      const sdk = join(import.meta.dirname, '..', '..', 'sdk', 'index.ts');
      writeFileSync(
        app,
        [
          `import { initTracking, track } from ${JSON.stringify(sdk)};`,
          `initTracking({ dataDir: ${JSON.stringify(dir)} });`,
          "track({ event: 'boot', severity: 'high', category: 'system', message: 'embedded app up' });",
          'setInterval(() => {}, 1000);',
        ].join('\n'),
      );
      return [app];
    },
  ],
  [
    'unitrack collector',
    (dir: string) => {
      const config = join(dir, 'collector.yaml');
      writeFileSync(
        config,
        [
          'receivers: { otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } } }',
          `exporters: { dashboard: { endpoint: "127.0.0.1:0", store: { path: ${JSON.stringify(join(dir, 'dashboard.db'))} } } }`,
          'service: { pipelines: { logs: { receivers: [otlp], exporters: [dashboard] } } }',
        ].join('\n'),
      );
      return [join(import.meta.dirname, '..', '..', 'bin', 'unitrack.ts'), 'collector', '--config', config];
    },
  ],
])('%s, as its own process', (_name, args) => {
  it('refuses a rebinding Host and a cross-origin POST, and serves its own page', async () => {
    const dir = tempDir();
    const { child, port } = await dashboardProcess(args(dir), { UNITRACK_DASHBOARD_ENDPOINT: '127.0.0.1:0', UNITRACK_DATA_DIR: dir });
    try {
      const own = `127.0.0.1:${port}`;
      expect((await send(port, 'GET', '/api/events', { host: `evil.example:${port}` })).status).toBe(403);
      expect((await send(port, 'GET', '/api/stream', { host: `evil.example:${port}` })).status).toBe(403);
      const post = await send(
        port,
        'POST',
        '/api/groups/0123456789abcdef/resolve',
        { host: own, origin: 'http://evil.example', 'content-type': 'text/plain' },
        'x',
      );
      expect(post.status).toBe(403);
      expect((await send(port, 'GET', '/api/events', { host: own, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
      expect((await send(port, 'GET', '/', { host: `localhost:${port}` })).status).toBe(200);
    } finally {
      await stop(child);
    }
  });
});
