import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../cli/components.ts';
import { compileCondition } from '../../model/ottl/ottl-evaluator.ts';
import { ProtoWriter } from '../../model/wire/proto-writer.ts';
import { resolveConfig } from '../../pipeline/config/service-config.ts';
import { parseConfigText } from '../../pipeline/config/source.ts';
import { decodeLogsJson } from '../../receivers/otlp/json-decode.ts';
import { decodeLogsProto } from '../../receivers/otlp/proto-logs.ts';
import { flushTracking, initTracking, shutdownTracking, track } from '../../sdk/index.ts';
import { recordResult } from '../helpers/reliability-summary.ts';
import { readJsonLines, tempDir } from '../helpers/tmp.ts';

const KEYS = ['__proto__', 'constructor', 'prototype'];

function prototypesIntact(): void {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(probe.isAdmin).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(typeof ({} as { constructor: unknown }).constructor).toBe('function');
}

afterAll(() => shutdownTracking());

describe('no prototype pollution', () => {
  it('through track() metadata, kept as plain data to the JSON lines file', async () => {
    const file = join(tempDir(), 'events.jsonl');
    initTracking({
      handleSignals: false,
      config: {
        receivers: { otlp: {} },
        processors: { redaction: {}, fingerprint: { store: { path: ':memory:' } } },
        exporters: { jsonfile: { path: file } },
        service: { pipelines: { logs: { receivers: ['otlp'], processors: ['redaction', 'fingerprint'], exporters: ['jsonfile'] } } },
      },
    });
    const metadata = JSON.parse(
      '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"isAdmin": true}}, "nested": {"__proto__": {"polluted": 1}}}',
    );
    track({ event: 'pollution_attempt', metadata });
    await flushTracking();
    prototypesIntact();
    const line = readJsonLines(file)[0] as { attributes: Record<string, unknown> };
    expect(Object.hasOwn(line.attributes, '__proto__') || Object.hasOwn(line.attributes, 'constructor')).toBe(true);
  });

  it('through OTLP JSON and protobuf attribute keys', () => {
    const attrs = KEYS.map((key) => ({ key, value: { kvlistValue: { values: [{ key: 'polluted', value: { boolValue: true } }] } } }));
    const json = Buffer.from(
      JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: attrs },
            scopeLogs: [{ logRecords: [{ attributes: attrs, body: { kvlistValue: { values: attrs } } }] }],
          },
        ],
      }),
    );
    const [record] = decodeLogsJson(json).records;
    expect(Object.hasOwn(record.attributes, '__proto__')).toBe(true);
    prototypesIntact();
    const kv = (key: string) => new ProtoWriter().string(1, key).message(2, new ProtoWriter().string(1, 'x'));
    const log = new ProtoWriter();
    for (const k of KEYS) log.message(6, kv(k));
    const proto = new ProtoWriter().message(1, new ProtoWriter().message(2, new ProtoWriter().message(2, log))).finish();
    const [fromProto] = decodeLogsProto(proto).records;
    expect(Object.keys(fromProto.attributes).sort()).toEqual([...KEYS].sort());
    prototypesIntact();
  });

  it('through config keys and OTTL attribute paths', () => {
    const yaml = `
__proto__: { polluted: true }
receivers: { otlp: { __proto__: { polluted: true } } }
exporters: { jsonfile: {} }
service: { pipelines: { logs: { receivers: [otlp], exporters: [jsonfile] } } }
`;
    expect(() => resolveConfig(parseConfigText(yaml), defaultRegistry(), {})).toThrow();
    prototypesIntact();
    const check = compileCondition('attributes["__proto__"] == nil and attributes["constructor"] == nil', 'log');
    expect(check({ attributes: {}, resource: { attributes: {} } } as never)).toBe(true);
    recordResult({ area: 'security', check: 'prototype pollution', detail: 'track(), OTLP JSON/protobuf, YAML, OTTL: prototypes intact' });
  });
});
