import { describe, expect, it } from 'vitest';
import { eventJsonText } from '../../model/event-json.ts';
import { ProtoReader } from '../../model/wire/proto-reader.ts';
import { decodeLogsJson } from '../../receivers/otlp/json-decode.ts';
import { readAnyValue } from '../../receivers/otlp/proto-common.ts';

// AnyValue int64 and bytes as the OpenTelemetry Python SDK sends them (found by
// test/interop/python-sdk.test.ts): Python ints past 2^53 are common as IDs.

/** An AnyValue with int_value (field 3, varint; negatives as 64-bit two's complement). */
function intValue(n: bigint): Buffer {
  let v = BigInt.asUintN(64, n);
  const out = [3 << 3];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

const readInt = (n: bigint) => readAnyValue(new ProtoReader(intValue(n)), 0);

describe('OTLP AnyValue decoding', () => {
  it('keeps every digit of an int64: a number when safe, else its decimal string', () => {
    expect(readInt(42n)).toBe(42);
    expect(readInt(-1n)).toBe(-1);
    expect(readInt(2n ** 53n - 1n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(readInt(-(2n ** 53n) + 1n)).toBe(Number.MIN_SAFE_INTEGER);
    expect(readInt(2n ** 62n + 1n)).toBe('4611686018427387905');
    expect(readInt(2n ** 63n - 1n)).toBe('9223372036854775807');
    expect(readInt(-(2n ** 63n))).toBe('-9223372036854775808');
  });

  it('decodes bytes as a plain Uint8Array copy, written as base64 in JSON lines', () => {
    const body = Buffer.from([0x3a, 3, 0, 1, 0xff, 0x99]); // bytes_value (field 7) = 00 01 ff, then junk
    const value = readAnyValue(new ProtoReader(body, 0, 5), 0);
    expect(Object.getPrototypeOf(value)).toBe(Uint8Array.prototype);
    expect(Array.from(value as Uint8Array)).toEqual([0, 1, 255]);
    body[2] = 7;
    expect((value as Uint8Array)[0]).toBe(0);
  });

  it('does the same for OTLP JSON, and the JSON lines form keeps both', () => {
    const request = {
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  body: { stringValue: 'x' },
                  attributes: [
                    { key: 'order.id', value: { intValue: '4611686018427387905' } },
                    { key: 'small', value: { intValue: '7' } },
                    { key: 'raw', value: { bytesValue: 'AAH/' } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const [record] = decodeLogsJson(Buffer.from(JSON.stringify(request))).records;
    expect(record.attributes['order.id']).toBe('4611686018427387905');
    expect(record.attributes.small).toBe(7);
    expect(Object.getPrototypeOf(record.attributes.raw)).toBe(Uint8Array.prototype);
    expect(JSON.parse(eventJsonText(record)).attributes).toEqual({ 'order.id': '4611686018427387905', small: 7, raw: 'AAH/' });
  });
});

describe('OTLP timestamps', () => {
  const hr = (ns: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(ns);
    return new ProtoReader(b).hrTime();
  };

  it('reads a fixed64 nanosecond time as exact [seconds, nanoseconds], up to 2^64 - 1', () => {
    expect(hr(0n)).toEqual([0, 0]);
    expect(hr(999_999_999n)).toEqual([0, 999_999_999]);
    expect(hr(1_000_000_000n)).toEqual([1, 0]);
    expect(hr(1_700_000_000_123_456_789n)).toEqual([1_700_000_000, 123_456_789]);
    expect(hr(2n ** 32n)).toEqual([4, 294_967_296]);
    expect(hr(2n ** 64n - 1n)).toEqual([18_446_744_073, 709_551_615]);
    // Values around every carry of the long division, against BigInt.
    for (const v of [2n ** 32n - 1n, 2n ** 48n + 12_345n, 2n ** 53n + 1n, 4_999_999_999_999_999_999n, 2n ** 63n + 999_999_999n]) {
      expect(hr(v)).toEqual([Number(v / 1_000_000_000n), Number(v % 1_000_000_000n)]);
    }
  });
});

describe('short strings from the decode cache', () => {
  it('never answer from a reused request buffer: the cache holds copies, compared byte for byte', async () => {
    const { decodeUtf8 } = await import('../../model/wire/string-cache.ts');
    const buf = Buffer.from('user-1234|user-1235');
    expect(decodeUtf8(buf, 0, 9)).toBe('user-1234');
    // The same buffer reused for another body: same length, same hash inputs except one byte.
    buf.write('user-1294', 0);
    expect(decodeUtf8(buf, 0, 9)).toBe('user-1294');
    buf.write('user-1234', 0);
    expect(decodeUtf8(buf, 0, 9)).toBe('user-1234');
    // Every length up to the cached maximum, and past it, with multibyte text.
    for (const text of ['é', 'ünïcødé', 'x'.repeat(32), 'y'.repeat(33), '✓'.repeat(10)]) {
      const b = Buffer.from(`..${text}..`);
      expect(decodeUtf8(b, 2, b.length - 2)).toBe(text);
      b.fill(0x41, 2, b.length - 2);
      expect(decodeUtf8(b, 2, b.length - 2)).toBe('A'.repeat(b.length - 4));
    }
  });
});
