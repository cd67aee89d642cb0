import type { InstrumentationScope } from '@opentelemetry/core';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { ProtoReader } from '../../model/wire/proto-reader.ts';
import type { DecodedBatch } from './decoded-batch.ts';
import { readResource, readScope } from './proto-common.ts';

/** Reads one item of a scope (a log record, a span) from the reader, narrowed to it. */
export type ItemReader = (r: ProtoReader, resource: Resource, scope: InstrumentationScope, out: DecodedBatch) => void;

// Tags as one number (field * 8 + wire type), as `rawTag` reads them; all three are length-delimited.
const FIELD_1 = 10;
const FIELD_2 = 18;
const FIELD_3 = 26;

/**
 * Decodes an OTLP export request, logs or traces alike, in place (one reader narrowed with
 * `enter`/`leave`, no sub-reader per message): resource_logs or resource_spans = 1 { resource = 1,
 * scope_logs or scope_spans = 2 { scope = 1, log_records or spans = 2, schema_url = 3 } }.
 * `withSchemaUrl`: whether the scope carries its schema URL (logs' scopes do, traces' never did).
 */
export function decodeExportRequest(buf: Uint8Array, readItem: ItemReader, withSchemaUrl: boolean): DecodedBatch {
  const out: DecodedBatch = { records: [], rejected: 0 };
  const r = new ProtoReader(buf);
  while (!r.done) {
    const t = r.rawTag();
    if (t === FIELD_1) {
      const outer = r.enter();
      readResourceItems(r, readItem, withSchemaUrl, out);
      r.leave(outer);
    } else r.skip(t & 7);
  }
  return out;
}

function readResourceItems(r: ProtoReader, readItem: ItemReader, withSchemaUrl: boolean, out: DecodedBatch): void {
  // The resource may follow its scopes on the wire: a first pass reads it (the last one wins) and
  // finds the first scope, a second reads the scopes from there.
  let resource: Resource | undefined;
  let first = -1;
  while (!r.done) {
    const at = r.pos;
    const t = r.rawTag();
    if (t === FIELD_1) {
      const outer = r.enter();
      resource = resourceFromAttributes(readResource(r));
      r.leave(outer);
    } else {
      if (t === FIELD_2 && first < 0) first = at;
      r.skip(t & 7);
    }
  }
  if (first < 0) return;
  resource ??= resourceFromAttributes({});
  r.pos = first;
  while (!r.done) {
    const t = r.rawTag();
    if (t === FIELD_2) {
      const outer = r.enter();
      readScopeItems(r, resource, readItem, withSchemaUrl, out);
      r.leave(outer);
    } else r.skip(t & 7);
  }
}

function readScopeItems(r: ProtoReader, resource: Resource, readItem: ItemReader, withSchemaUrl: boolean, out: DecodedBatch): void {
  // Two passes again: the scope and its schema URL may follow the items.
  let scope: InstrumentationScope = { name: '' };
  let schemaUrl: string | undefined;
  let first = -1;
  while (!r.done) {
    const at = r.pos;
    const t = r.rawTag();
    if (t === FIELD_1) {
      const outer = r.enter();
      scope = readScope(r);
      r.leave(outer);
    } else if (t === FIELD_3 && withSchemaUrl) schemaUrl = r.string() || undefined;
    else {
      if (t === FIELD_2 && first < 0) first = at;
      r.skip(t & 7);
    }
  }
  if (first < 0) return;
  if (schemaUrl) scope = { ...scope, schemaUrl };
  r.pos = first;
  while (!r.done) {
    const t = r.rawTag();
    if (t === FIELD_2) {
      const outer = r.enter();
      readItem(r, resource, scope, out);
      r.leave(outer);
    } else r.skip(t & 7);
  }
}
