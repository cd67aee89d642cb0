import type { AnyValue, Attributes } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { setOwn } from '../../model/own-key.ts';
import { ProtoError, type ProtoReader } from '../../model/wire/proto-reader.ts';
import { MAX_VALUE_DEPTH } from './decoded-batch.ts';

// The messages logs and traces share (OTLP's common.proto and resource.proto): AnyValue, KeyValue,
// Resource, InstrumentationScope.

/** A Resource's attributes, from the reader narrowed to it. */
export function readResource(r: ProtoReader): Attributes {
  const attrs: Record<string, AnyValue> = {};
  while (!r.done) {
    const t = r.rawTag();
    if (t === 10) {
      // attributes = 1, length-delimited
      const outer = r.enter();
      readKeyValue(r, attrs, 0);
      r.leave(outer);
    } else r.skip(t & 7);
  }
  return attrs as Attributes;
}

/** An InstrumentationScope's name and version, from the reader narrowed to it. */
export function readScope(r: ProtoReader): InstrumentationScope {
  const scope: { name: string; version?: string } = { name: '' };
  while (!r.done) {
    const t = r.rawTag();
    if (t === 10) scope.name = r.string();
    else if (t === 18) scope.version = r.string() || undefined;
    else r.skip(t & 7);
  }
  return scope;
}

/** Reads a KeyValue into `into`; `__proto__` and friends stay plain data keys. */
export function readKeyValue(r: ProtoReader, into: Record<string, AnyValue>, depth: number): void {
  let key = '';
  let value: AnyValue = null;
  while (!r.done) {
    const t = r.rawTag();
    if (t === 10)
      key = r.string(); // field 1, length-delimited
    else if (t === 18) {
      // field 2, length-delimited
      const outer = r.enter();
      value = readAnyValue(r, depth + 1);
      r.leave(outer);
    } else r.skip(t & 7);
  }
  setOwn(into, key, value);
}

export function readAnyValue(r: ProtoReader, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new ProtoError(`values nested deeper than ${MAX_VALUE_DEPTH} levels`);
  let value: AnyValue = null;
  while (!r.done) {
    const t = r.rawTag();
    const wire = t & 7;
    switch (Math.floor(t / 8)) {
      case 1:
        value = r.string();
        break;
      case 2:
        value = r.varint() !== 0;
        break;
      case 3:
        value = r.int64();
        break;
      case 4:
        value = r.double();
        break;
      case 5: {
        const items: AnyValue[] = [];
        const outer = r.enter();
        while (!r.done) {
          const t = r.rawTag();
          if (t === 10) {
            const inner = r.enter();
            items.push(readAnyValue(r, depth + 1));
            r.leave(inner);
          } else r.skip(t & 7);
        }
        r.leave(outer);
        value = items;
        break;
      }
      case 6: {
        const map: Record<string, AnyValue> = {};
        const outer = r.enter();
        while (!r.done) {
          const t = r.rawTag();
          if (t === 10) {
            const inner = r.enter();
            readKeyValue(r, map, depth + 1);
            r.leave(inner);
          } else r.skip(t & 7);
        }
        r.leave(outer);
        value = map;
        break;
      }
      case 7:
        value = r.bytes();
        break;
      default:
        r.skip(wire);
    }
  }
  return value;
}
