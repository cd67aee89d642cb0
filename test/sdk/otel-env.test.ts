import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { otelLogLevel } from '../../pipeline/log-level.ts';
import { otlpSettings, sdkDisabled } from '../../sdk/otel-env.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';
import { ENV_APP, killApps, runApp } from './fixtures/run-app.ts';

afterEach(killApps);
const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

function jsonfileConfig(file: string) {
  return {
    receivers: { otlp: {} },
    exporters: { jsonfile: { path: file } },
    service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['jsonfile'] } } },
  };
}

describe('the OTLP settings, as the OpenTelemetry SDKs read the environment', () => {
  it('appends /v1/logs to OTEL_EXPORTER_OTLP_ENDPOINT, takes …_LOGS_ENDPOINT as given, and lets explicit options win', () => {
    expect(otlpSettings({}, {})).toMatchObject({
      logsUrl: 'http://localhost:4318/v1/logs',
      tracesUrl: 'http://localhost:4318/v1/traces',
      protocol: 'http/protobuf',
    });
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4318/' };
    expect(otlpSettings({}, env)).toMatchObject({
      logsUrl: 'https://collector:4318/v1/logs',
      tracesUrl: 'https://collector:4318/v1/traces',
    });
    const own = { ...env, OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://logs:9000/ingest' };
    expect(otlpSettings({}, own)).toMatchObject({ logsUrl: 'http://logs:9000/ingest', tracesUrl: 'https://collector:4318/v1/traces' });
    expect(otlpSettings({ endpoint: 'http://mine:4318' }, own)).toMatchObject({
      logsUrl: 'http://mine:4318/v1/logs',
      tracesUrl: 'http://mine:4318/v1/traces',
    });
  });

  it('reads headers (percent-decoded; the signal’s own win, explicit ones win over both) and the protocol', () => {
    const env = {
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-team=a',
      OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-team=b',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    };
    const s = otlpSettings({ headers: { 'x-extra': '1' } }, env);
    expect(s.logsHeaders).toEqual({ authorization: 'Bearer abc', 'x-team': 'b', 'x-extra': '1' });
    expect(s.tracesHeaders).toEqual({ authorization: 'Bearer abc', 'x-team': 'a', 'x-extra': '1' });
    expect(s.protocol).toBe('http/json');
    expect(otlpSettings({ protocol: 'http/protobuf' }, env).protocol).toBe('http/protobuf');
  });

  it('over gRPC takes the endpoint as given (default :4317), and says spans are not sent that way', () => {
    const s = otlpSettings({}, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' });
    expect(s).toMatchObject({ protocol: 'grpc', logsUrl: 'http://collector:4317', tracesUrl: undefined });
    expect(s.tracesUnsent).toContain('spans are exported over OTLP/HTTP only');
    expect(otlpSettings({ protocol: 'grpc' }, {}).logsUrl).toBe('http://localhost:4317');
    const unknown = otlpSettings({}, { OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon' });
    expect(unknown.protocol).toBe('http/protobuf');
    expect(unknown.warnings[0]).toContain('carrier-pigeon');
  });

  it('reads OTEL_SDK_DISABLED and OTEL_LOG_LEVEL (case-insensitive, default warn)', () => {
    expect(sdkDisabled({ OTEL_SDK_DISABLED: 'TRUE' })).toBe(true);
    expect(sdkDisabled({ OTEL_SDK_DISABLED: 'false' })).toBe(false);
    expect(sdkDisabled({})).toBe(false);
    expect(otelLogLevel({}).level).toBe(50); // DiagLogLevel.WARN
    expect(otelLogLevel({ OTEL_LOG_LEVEL: 'debug' }).level).toBe(70);
    expect(otelLogLevel({ OTEL_LOG_LEVEL: 'loud' })).toMatchObject({ level: 50, warning: expect.stringContaining('loud') });
  });
});

describe('an application configured through the environment', () => {
  it('carries OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES into every JSON line; explicit options win', async () => {
    const dir = tempDir();
    const env = {
      OTEL_SERVICE_NAME: 'billing',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=ignored,deployment.environment.name=staging,service.version=2.1.0,team=pay%20ments',
    };
    const a = runApp(ENV_APP, [JSON.stringify({ init: { config: jsonfileConfig(join(dir, 'a.jsonl')) }, events: 1 })], env);
    const b = runApp(
      ENV_APP,
      [
        JSON.stringify({
          init: { config: jsonfileConfig(join(dir, 'b.jsonl')), serviceName: 'explicit', serviceVersion: '3.0.0' },
          events: 1,
        }),
      ],
      env,
    );
    expect([await a.exit, await b.exit]).toEqual([0, 0]);
    const [lineA] = readJsonLines(join(dir, 'a.jsonl'));
    expect(lineA).toMatchObject({ service: 'billing', environment: 'staging', version: '2.1.0', resource: { team: 'pay ments' } });
    expect(Object.keys(lineA.resource as object)).toEqual(['team']);
    expect(readJsonLines(join(dir, 'b.jsonl'))[0]).toMatchObject({ service: 'explicit', environment: 'staging', version: '3.0.0' });
  });

  it('with OTEL_SDK_DISABLED=true tracks nothing and starts nothing: no file, no port, and it exits', async () => {
    const dir = tempDir();
    // The embedded default would write under the data dir and open the dashboard.
    const app = runApp(ENV_APP, [JSON.stringify({ init: {}, events: 5 })], { OTEL_SDK_DISABLED: 'true', UNITRACK_DATA_DIR: dir });
    expect(await app.exit).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    expect(app.stderr()).toBe('');
    expect(app.telemetry()).toBeNull();
  });

  it('says a config it cannot read once, naming the file and the cause, and counts every dropped event', async () => {
    const dir = tempDir();
    const missing = join(dir, 'missing.yaml');
    const app = runApp(ENV_APP, [JSON.stringify({ init: { config: missing }, events: 3 })]);
    expect(await app.exit).toBe(0);
    const lines = app.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(missing);
    expect(lines[0]).toContain('ENOENT');
    expect(app.telemetry()).toMatchObject({ unitrack_sdk_unstarted_dropped_total: 3 });
  });

  it('says an invalid config once, with every problem on that line', async () => {
    const app = runApp(ENV_APP, [JSON.stringify({ init: { config: { exporters: { nope: {} } } }, events: 2 })]);
    expect(await app.exit).toBe(0);
    const lines = app.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/exporters\.nope: unknown exporter type "nope".*; service\.pipelines/);
    expect(app.telemetry()).toMatchObject({ unitrack_sdk_unstarted_dropped_total: 2 });
  });

  it('OTEL_LOG_LEVEL sets the level of the diag logger unitrack installs on stderr', async () => {
    const dir = tempDir();
    const spec = JSON.stringify({ init: { config: jsonfileConfig(join(dir, 'e.jsonl')) }, events: 1 });
    const debug = runApp(ENV_APP, [spec], { OTEL_LOG_LEVEL: 'debug' });
    const quiet = runApp(ENV_APP, [JSON.stringify({ init: { config: join(dir, 'missing.yaml') }, events: 1 })], { OTEL_LOG_LEVEL: 'none' });
    expect([await debug.exit, await quiet.exit]).toEqual([0, 0]);
    expect(debug.stderr()).toContain('Registered a global for logs');
    expect(quiet.stderr()).toBe('');
  });

  it('OTEL_LOGS_EXPORTER=otlp with OTEL_EXPORTER_OTLP_* sends OTLP there (headers and http/json as told)', async () => {
    const requests: { path: string; headers: IncomingMessage['headers']; body: string }[] = [];
    const server = createServer(async (req, res) => {
      let body = '';
      for await (const c of req) body += c;
      requests.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const dir = tempDir();
    const app = runApp(ENV_APP, [JSON.stringify({ init: {}, events: 2 })], {
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20t0ken',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      UNITRACK_DATA_DIR: dir,
    });
    expect(await app.exit).toBe(0);
    const logs = requests.filter((r) => r.path === '/v1/logs');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs[0].headers['content-type']).toBe('application/json');
    expect(logs[0].headers.authorization).toBe('Bearer t0ken');
    expect(logs.map((l) => l.body).join('')).toContain('item 1 failed');
    // OTLP mode runs no pipeline here.
    expect(existsSync(join(dir, 'events.jsonl'))).toBe(false);
  });
});
