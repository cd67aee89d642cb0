import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventJson } from '../../model/event-json.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';
import { freePort, otelcolBinary, otlpAttr, otlpJsonRecords, Processes, startOtelcol, startUnitrack, waitFor } from './helpers/otelcol.ts';

// Differential test of the routing connector: one corpus of log records (severities, severity
// texts, attributes of several types, bodies of several types, event names, resources) goes
// through otelcol's routing connector and through unitrack's, configured with the same table.
// otelcol writes each destination pipeline to a `file` exporter, unitrack to a `jsonfile`
// exporter; the set of record IDs per destination must be the same.

const build = otelcolBinary();
const skip = 'skip' in build ? build.skip : undefined;
if (skip) console.warn(`otelcol interop skipped: ${skip}`);

const DESTINATIONS = ['default', 'critical', 'mcp', 'high', 'billing', 'network', 'misc', 'warn', 'auth', 'scope'] as const;

/** The shared routing connector config: otelcol's keys, first matching entry wins. */
const ROUTING = `  routing:
    default_pipelines: [logs/default]
    error_mode: ignore
    table:
      - context: log
        condition: severity_number >= SEVERITY_NUMBER_FATAL
        pipelines: [logs/critical]
      - context: log
        condition: severity_number >= SEVERITY_NUMBER_ERROR and attributes["unitrack.category"] == "mcp"
        pipelines: [logs/mcp, logs/high]
      - context: log
        condition: severity_number >= SEVERITY_NUMBER_ERROR
        pipelines: [logs/high]
      - context: resource
        condition: attributes["service.name"] == "billing"
        pipelines: [logs/billing]
      - context: log
        condition: IsMatch(body, "timeout|refused")
        pipelines: [logs/network]
      - context: log
        condition: attributes["retries"] > 3 or attributes["user.id"] != nil
        pipelines: [logs/misc]
      - context: log
        condition: severity_text == "WARN" and not (attributes["flag"] == true)
        pipelines: [logs/warn]
      - context: log
        condition: event_name == "login_failed" or resource.attributes["deployment.environment"] == "staging"
        pipelines: [logs/auth]
      - context: log
        condition: instrumentation_scope.name == "payments" and severity_number < SEVERITY_NUMBER_INFO
        pipelines: [logs/scope]
`;

function pipelines(exporter: (d: string) => string): string {
  return DESTINATIONS.map((d) => `    logs/${d}: { receivers: [routing], exporters: [${exporter(d)}] }`).join('\n');
}

function otelcolConfig(port: number, dir: string): string {
  return `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
connectors:
${ROUTING}exporters:
${DESTINATIONS.map((d) => `  file/${d}:\n    path: ${JSON.stringify(join(dir, `${d}.jsonl`))}\n    flush_interval: 100ms`).join('\n')}
service:
  pipelines:
    logs/in: { receivers: [otlp], exporters: [routing] }
${pipelines((d) => `file/${d}`)}
`;
}

function unitrackConfig(port: number, dir: string): string {
  return `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
connectors:
${ROUTING}exporters:
${DESTINATIONS.map((d) => `  jsonfile/${d}: { path: ${JSON.stringify(join(dir, `${d}.jsonl`))} }`).join('\n')}
service:
  pipelines:
    logs/in: { receivers: [otlp], exporters: [routing] }
${pipelines((d) => `jsonfile/${d}`)}
`;
}

type AnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { kvlistValue: { values: KeyValue[] } };
type KeyValue = { key: string; value: AnyValue };

/** A small deterministic PRNG, so a failure can be reproduced. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface CorpusRecord {
  rid: string;
  service?: string;
  environment?: string;
  scope: string;
  record: Record<string, unknown>;
}

/** The corpus: every combination a routing table might see differently, drawn with a fixed seed. */
function corpus(count: number): CorpusRecord[] {
  const rand = prng(20261124);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const severities = [0, 1, 5, 8, 9, 10, 12, 13, 16, 17, 19, 20, 21, 24];
  const texts = ['', 'WARN', 'warn', 'ERROR', 'INFO', 'HIGH'];
  const bodies: (AnyValue | undefined)[] = [
    { stringValue: 'connection refused by upstream' },
    { stringValue: 'request timeout after 30s' },
    { stringValue: 'Timeout (capitalised) is a different word' },
    { stringValue: 'all good' },
    { stringValue: '' },
    { intValue: '42' },
    { boolValue: true },
    { doubleValue: 1.5 },
    { kvlistValue: { values: [{ key: 'msg', value: { stringValue: 'nested timeout' } }] } },
    undefined,
  ];
  const retries: (AnyValue | undefined)[] = [
    undefined,
    { intValue: '2' },
    { intValue: '4' },
    { doubleValue: 3.5 },
    { doubleValue: 3 },
    { stringValue: '5' },
    { boolValue: true },
  ];
  const flags: (AnyValue | undefined)[] = [undefined, { boolValue: true }, { boolValue: false }, { stringValue: 'true' }];
  const out: CorpusRecord[] = [];
  for (let i = 0; i < count; i++) {
    const rid = `r${String(i).padStart(3, '0')}`;
    const attributes: KeyValue[] = [{ key: 'rid', value: { stringValue: rid } }];
    const category = pick([undefined, 'mcp', 'system', 'MCP']);
    if (category) attributes.push({ key: 'unitrack.category', value: { stringValue: category } });
    const r = pick(retries);
    if (r) attributes.push({ key: 'retries', value: r });
    if (rand() < 0.2) attributes.push({ key: 'user.id', value: { stringValue: `user-${i}` } });
    const f = pick(flags);
    if (f) attributes.push({ key: 'flag', value: f });
    const severityNumber = pick(severities);
    const severityText = pick(texts);
    const body = pick(bodies);
    const eventName = pick(['', 'login_failed', 'login_ok']);
    out.push({
      rid,
      service: pick([undefined, 'billing', 'checkout']),
      environment: pick([undefined, 'staging', 'prod']),
      scope: pick(['payments', 'web']),
      record: {
        timeUnixNano: `${BigInt(Date.now()) * 1_000_000n + BigInt(i)}`,
        ...(severityNumber ? { severityNumber } : {}),
        ...(severityText ? { severityText } : {}),
        ...(eventName ? { eventName } : {}),
        ...(body ? { body } : {}),
        attributes,
      },
    });
  }
  return out;
}

/** One OTLP/JSON request, a resource per (service, environment) and a scope per name, as SDKs batch them. */
function request(records: CorpusRecord[]): string {
  const resources = new Map<string, { attrs: KeyValue[]; scopes: Map<string, unknown[]> }>();
  for (const c of records) {
    const key = `${c.service}|${c.environment}`;
    let res = resources.get(key);
    if (!res) {
      const attrs: KeyValue[] = [];
      if (c.service) attrs.push({ key: 'service.name', value: { stringValue: c.service } });
      if (c.environment) attrs.push({ key: 'deployment.environment', value: { stringValue: c.environment } });
      res = { attrs, scopes: new Map() };
      resources.set(key, res);
    }
    const list = res.scopes.get(c.scope) ?? [];
    list.push(c.record);
    res.scopes.set(c.scope, list);
  }
  return JSON.stringify({
    resourceLogs: [...resources.values()].map((r) => ({
      resource: { attributes: r.attrs },
      scopeLogs: [...r.scopes.entries()].map(([name, logRecords]) => ({ scope: { name }, logRecords })),
    })),
  });
}

async function post(port: number, body: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`port ${port} answered ${res.status}: ${text}`);
}

function otelcolRouted(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of DESTINATIONS) {
    const path = join(dir, `${d}.jsonl`);
    const records = existsSync(path) ? otlpJsonRecords(readFileSync(path, 'utf8')) : [];
    out.set(d, records.map((r) => otlpAttr(r, 'rid') ?? '?').sort());
  }
  return out;
}

function unitrackRouted(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of DESTINATIONS)
    out.set(
      d,
      readJsonLines<EventJson>(join(dir, `${d}.jsonl`))
        .map((e) => String(e.attributes?.rid ?? '?'))
        .sort(),
    );
  return out;
}

function seenIds(routed: Map<string, string[]>): Set<string> {
  return new Set([...routed.values()].flat());
}

describe.skipIf(skip !== undefined)(
  `routing connector: otelcol and unitrack agree record by record${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const processes = new Processes();
    const dir = tempDir('unitrack-otelcol-routing-');
    const otelDir = join(dir, 'otelcol');
    const utDir = join(dir, 'unitrack');
    const records = corpus(240);
    let otel: Map<string, string[]>;
    let ut: Map<string, string[]>;

    beforeAll(async () => {
      if ('error' in build) throw new Error(build.error);
      const bin = (build as { bin: string }).bin;
      const [otelPort, utPort] = [await freePort(), await freePort()];
      mkdirSync(otelDir);
      mkdirSync(utDir);
      const otelConfig = join(dir, 'otelcol.yaml');
      writeFileSync(otelConfig, otelcolConfig(otelPort, otelDir));
      const otelcol = processes.add(startOtelcol(bin, 'otelcol-routing', otelConfig));
      const unitrack = processes.add(startUnitrack('unitrack-routing', dir, unitrackConfig(utPort, utDir)));
      await otelcol.waitForPort(otelPort);
      await unitrack.waitForPort(utPort);
      // The same requests to both, in slices so that one request holds several resources and scopes.
      for (let i = 0; i < records.length; i += 60) {
        const body = request(records.slice(i, i + 60));
        await post(otelPort, body);
        await post(utPort, body);
      }
      const all = records.map((r) => r.rid);
      await waitFor(
        () => all.every((id) => seenIds(otelcolRouted(otelDir)).has(id) && seenIds(unitrackRouted(utDir)).has(id)),
        60_000,
        () =>
          `records missing: otelcol ${all.length - seenIds(otelcolRouted(otelDir)).size}, unitrack ${all.length - seenIds(unitrackRouted(utDir)).size}\n${processes.output()}`,
      );
      // Stopping drains both collectors, so each file is complete when read.
      await otelcol.stop();
      await unitrack.stop();
      otel = otelcolRouted(otelDir);
      ut = unitrackRouted(utDir);
    });

    afterAll(async () => {
      await processes.stopAll();
    });

    it('the corpus exercises every destination', () => {
      for (const d of DESTINATIONS) expect(otel.get(d)?.length, `otelcol sent nothing to ${d}`).toBeGreaterThan(0);
      console.info(`records per destination: ${DESTINATIONS.map((d) => `${d} ${otel.get(d)?.length}`).join(', ')}`);
    });

    it.each(DESTINATIONS)('logs/%s receives the same records from both', (d) => {
      const a = otel.get(d) ?? [];
      const b = ut.get(d) ?? [];
      const onlyOtel = a.filter((x) => !b.includes(x));
      const onlyUnitrack = b.filter((x) => !a.includes(x));
      const show = (ids: string[]) => ids.map((id) => JSON.stringify(records.find((r) => r.rid === id))).join('\n');
      expect({ onlyOtel, onlyUnitrack }, `only otelcol:\n${show(onlyOtel)}\nonly unitrack:\n${show(onlyUnitrack)}`).toEqual({
        onlyOtel: [],
        onlyUnitrack: [],
      });
      expect(b).toEqual(a);
    });
  },
);
