import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { secretKey, sign } from '../../exporters/webhook/signature.ts';
import { ProtoWriter } from '../../model/wire/proto-writer.ts';
import { decodeLogsJson } from '../../receivers/otlp/json-decode.ts';
import { decodeLogsProto } from '../../receivers/otlp/proto-logs.ts';
import { FULL, recordResult } from '../helpers/reliability-summary.ts';

/** LogsData { resource_logs { scope_logs { log_records: records } } } */
function logsData(records: ProtoWriter[]): Uint8Array {
  const scope = new ProtoWriter();
  for (const r of records) scope.message(2, r);
  return new ProtoWriter().message(1, new ProtoWriter().message(2, scope)).finish();
}

/** A log record with a string body (field 5) and attributes (field 6) of string values. */
function logRecord(body: Uint8Array, attributes: [Uint8Array, Uint8Array][] = []): ProtoWriter {
  const w = new ProtoWriter().message(5, new ProtoWriter().bytes(1, body));
  for (const [k, v] of attributes) w.message(6, new ProtoWriter().bytes(1, k).message(2, new ProtoWriter().bytes(1, v)));
  return w;
}

const INVALID_UTF8 = [
  Buffer.from([0xc3, 0x28]), // bad continuation
  Buffer.from([0xe2, 0x82]), // truncated sequence
  Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate encoded in UTF-8
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), // five-byte form
  Buffer.from([0xc0, 0xaf]), // overlong '/'
];

describe('hostile values', () => {
  it('invalid UTF-8 in protobuf strings becomes U+FFFD, never a crash or a lone surrogate', () => {
    for (const bad of INVALID_UTF8) {
      const body = Buffer.concat([Buffer.from('before '), bad, Buffer.from(' after')]);
      const [record] = decodeLogsProto(logsData([logRecord(body, [[bad, bad]])])).records;
      const text = record.body as string;
      expect(text.startsWith('before ')).toBe(true);
      expect(text.endsWith(' after')).toBe(true);
      expect(text).toContain('\ufffd');
      // A well-formed string survives JSON and OTLP re-encoding unchanged.
      expect(text.isWellFormed()).toBe(true);
      const [key, value] = Object.entries(record.attributes)[0];
      expect(key.isWellFormed() && String(value).isWellFormed()).toBe(true);
    }
    // JSON bodies are decoded the same way.
    const json = Buffer.concat([
      Buffer.from('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x'),
      INVALID_UTF8[0],
      Buffer.from('y"}}]}]}]}'),
    ]);
    expect((decodeLogsJson(json).records[0].body as string).isWellFormed()).toBe(true);
    recordResult({
      area: 'input',
      check: 'invalid UTF-8',
      detail: `${INVALID_UTF8.length} malformed sequences in bodies, keys and values: replaced, well-formed out`,
    });
  });

  it('a record with a huge number of attributes decodes without blowing up, and keeps them as data', () => {
    const count = FULL ? 500_000 : 50_000;
    const attributes: [Uint8Array, Uint8Array][] = [];
    for (let i = 0; i < count; i++) attributes.push([Buffer.from(`k${i}`), Buffer.from('v')]);
    attributes.push([Buffer.from('__proto__'), Buffer.from('polluted')]);
    const [record] = decodeLogsProto(logsData([logRecord(Buffer.from('many'), attributes)])).records;
    expect(Object.keys(record.attributes).length).toBe(count + 1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    recordResult({ area: 'input', check: 'huge attribute count', detail: `${count} attributes on one record decoded as plain data` });
  });

  it('webhook signatures verify with standardwebhooks, and a timestamp outside its tolerance is rejected', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const key = secretKey(secret);
    const verifier = new Webhook(secret);
    const body = JSON.stringify({ type: 'unitrack.alert', data: {} });
    const id = 'msg_1';
    const now = Math.floor(Date.now() / 1000);
    const headers = (ts: number) => ({ 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sign(key, id, ts, body) });
    expect(verifier.verify(body, headers(now))).toEqual(JSON.parse(body));
    // Correctly signed but replayed ten minutes later (or dated ten minutes ahead): refused.
    expect(() => verifier.verify(body, headers(now - 600))).toThrow(/timestamp/i);
    expect(() => verifier.verify(body, headers(now + 600))).toThrow(/timestamp/i);
    // A body changed in transit: refused.
    expect(() => verifier.verify(`${body} `, headers(now))).toThrow();
    recordResult({
      area: 'security',
      check: 'webhook signatures',
      detail: 'standardwebhooks verifies; ±10 min timestamps and altered bodies refused',
    });
  });
});
