import { ProtoReader } from './proto-reader.ts';
import { ProtoWriter } from './proto-writer.ts';

/** The gRPC status codes unitrack sends or reads (grpc/doc/statuscodes.md). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
} as const;

/** The trailer that carries a serialized google.rpc.Status with its details. */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * A google.rpc.Status { code = 1, message = 2, details = 3 (Any) } whose one detail is a
 * google.rpc.RetryInfo { retry_delay = 1 (Duration { seconds = 1, nanos = 2 }) }: the OTLP
 * specification's throttling answer, which otelcol and the SDKs read to know when to retry.
 */
export function statusWithRetryInfo(code: number, message: string, retryDelayMs: number): Uint8Array {
  const seconds = Math.floor(retryDelayMs / 1000);
  const nanos = Math.round((retryDelayMs - seconds * 1000) * 1e6);
  const delay = new ProtoWriter();
  if (seconds > 0) delay.varint(1, seconds);
  if (nanos > 0) delay.varint(2, nanos);
  const retryInfo = new ProtoWriter().message(1, delay);
  const any = new ProtoWriter().string(1, RETRY_INFO_TYPE).message(2, retryInfo);
  return new ProtoWriter().varint(1, code).string(2, message).message(3, any).finish();
}

/** The retry delay a serialized google.rpc.Status carries in a RetryInfo detail, in ms; undefined when none (or unreadable). */
export function retryDelayOf(status: Uint8Array): number | undefined {
  try {
    const r = new ProtoReader(status);
    while (!r.done) {
      const { field, wire } = r.tag();
      if (field !== 3 || wire !== 2) {
        r.skip(wire);
        continue;
      }
      const any = r.sub();
      let type = '';
      let value: ProtoReader | undefined;
      while (!any.done) {
        const t = any.tag();
        if (t.field === 1 && t.wire === 2) type = any.string();
        else if (t.field === 2 && t.wire === 2) value = any.sub();
        else any.skip(t.wire);
      }
      if (type !== RETRY_INFO_TYPE || !value) continue;
      let ms = 0;
      while (!value.done) {
        const t = value.tag();
        if (t.field !== 1 || t.wire !== 2) {
          value.skip(t.wire);
          continue;
        }
        const d = value.sub();
        while (!d.done) {
          const f = d.tag();
          if (f.field === 1 && f.wire === 0) ms += d.varint() * 1000;
          else if (f.field === 2 && f.wire === 0) ms += d.varint() / 1e6;
          else d.skip(f.wire);
        }
      }
      return ms;
    }
  } catch {
    // A detail we cannot read is as good as none: the caller backs off on its own.
  }
  return undefined;
}
