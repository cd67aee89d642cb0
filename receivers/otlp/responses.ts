import type { ServerResponse } from 'node:http';
import { ProtoWriter } from '../../model/wire/proto-writer.ts';

export type Encoding = 'proto' | 'json';

const CONTENT_TYPE: Record<Encoding, string> = { proto: 'application/x-protobuf', json: 'application/json' };

/** gRPC codes carried in google.rpc.Status bodies, per HTTP status. */
const RPC_CODE: Record<number, number> = { 400: 3, 404: 5, 405: 12, 413: 8, 415: 3, 429: 8, 500: 13, 503: 14 };

/** 200 with an ExportLogs/TraceServiceResponse, with partial success when something was rejected. */
export function sendSuccess(res: ServerResponse, encoding: Encoding, signal: 'logs' | 'traces', rejected: number, message?: string): void {
  let body: Uint8Array | string;
  if (encoding === 'json') {
    const key = signal === 'logs' ? 'rejectedLogRecords' : 'rejectedSpans';
    body = JSON.stringify(rejected > 0 ? { partialSuccess: { [key]: String(rejected), errorMessage: message ?? '' } } : {});
  } else {
    body = exportResponseProto(rejected, message);
  }
  res.writeHead(200, { 'content-type': CONTENT_TYPE[encoding] }).end(body);
}

/**
 * An Export(Logs|Trace)ServiceResponse in protobuf, over HTTP and gRPC alike: `partial_success`
 * (field 1: rejected count, error message) only when something was rejected, as the spec asks.
 */
export function exportResponseProto(rejected: number, message?: string): Uint8Array {
  const w = new ProtoWriter();
  if (rejected > 0) w.message(1, new ProtoWriter().varint(1, rejected).string(2, message ?? ''));
  return w.finish();
}

/** A failure with a google.rpc.Status body in the request's encoding. */
export function sendStatus(
  res: ServerResponse,
  status: number,
  message: string,
  encoding: Encoding = 'json',
  retryAfterSeconds?: number,
): void {
  const code = RPC_CODE[status] ?? 2;
  const headers: Record<string, string> = { 'content-type': CONTENT_TYPE[encoding] };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  const body = encoding === 'json' ? JSON.stringify({ code, message }) : new ProtoWriter().varint(1, code).string(2, message).finish();
  if (!res.headersSent) res.writeHead(status, headers);
  res.end(body);
}
