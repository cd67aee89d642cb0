import { randomUUID } from 'node:crypto';
import { diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { Pool } from 'undici';
import type { Counter, Telemetry } from '../../model/telemetry.ts';
import type { Description } from '../../pipeline/component.ts';
import { untraced } from '../../pipeline/untraced.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { isChatFormat, type PayloadFormat, renderBody } from './payload.ts';
import { secretKey, sign } from './signature.ts';
import { type Notification, Spool } from './spool.ts';

export interface WebhookExporterOptions {
  id: string;
  /** The receiver's URL. */
  endpoint: string;
  /** `whsec_<base64>`; empty sends unsigned. */
  secret?: string;
  format: PayloadFormat;
  /** The dashboard as readers reach it: chat messages link to the group there. */
  dashboardUrl?: string;
  headers: Record<string, string>;
  /** Connect, headers and body timeouts of one attempt. */
  timeoutMs: number;
  retry: { initialIntervalMs: number; maxIntervalMs: number; maxElapsedMs: number };
  spool: { directory: string; maxItems: number };
  circuitBreaker: { failureThreshold: number; resetTimeoutMs: number };
  /** Attempts in flight at once. */
  concurrency: number;
  /** How long forceFlush and shutdown wait for deliveries before leaving the rest in the spool. */
  flushTimeoutMs: number;
  telemetry: Telemetry;
}

interface Pending extends Notification {
  /** Not before this time (ms). */
  dueAt: number;
  inFlight: boolean;
}

type Outcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; afterMs?: number; why: string }
  | { kind: 'reject'; why: string }
  | { kind: 'gone' };

/**
 * Notifications to a webhook: signed per Standard Webhooks (format `standard`, `plain`), or plain
 * JSON for a chat service (`slack`, `discord`, `teams`). `export` writes each record to the
 * spool and calls back: from then on the exporter owns delivery, with retries, backoff with jitter,
 * `Retry-After`, and a circuit breaker. A restart delivers what the spool still holds.
 */
export class WebhookExporter implements LogRecordExporter {
  readonly #o: WebhookExporterOptions;
  readonly #key: Buffer | undefined;
  readonly #standardHeaders: boolean;
  /** undici loads with the first delivery: an application whose webhook never fires never loads it. */
  #pool: Promise<Pool> | undefined;
  readonly #origin: string;
  readonly #path: string;
  readonly #spool: Spool;
  readonly #pending = new Map<string, Pending>();
  readonly #breaker: CircuitBreaker;
  #timer: NodeJS.Timeout | undefined;
  #inFlight = 0;
  #gone = false;
  #closed = false;
  readonly #waiters = new Set<() => void>();
  readonly #c: Record<'delivered' | 'retries' | 'failed' | 'dropped' | 'attempts', Counter>;

  constructor(options: WebhookExporterOptions) {
    this.#o = options;
    // Chat services verify no signature: their formats go without the Standard Webhooks headers.
    this.#standardHeaders = !isChatFormat(options.format);
    this.#key = options.secret && this.#standardHeaders ? secretKey(options.secret) : undefined;
    const url = new URL(options.endpoint);
    this.#path = `${url.pathname}${url.search}`;
    this.#origin = url.origin;
    this.#spool = new Spool(options.spool.directory);
    this.#breaker = new CircuitBreaker(options.circuitBreaker.failureThreshold, options.circuitBreaker.resetTimeoutMs);
    const t = options.telemetry;
    const labels = { exporter: options.id };
    this.#c = {
      delivered: t.counter('unitrack_webhook_delivered_total', 'Notifications delivered.', labels),
      retries: t.counter('unitrack_webhook_retries_total', 'Delivery attempts that will be retried.', labels),
      failed: t.counter('unitrack_webhook_failed_total', 'Notifications given up on (4xx, 410, or past the retry deadline).', labels),
      dropped: t.counter('unitrack_webhook_spool_dropped_total', 'Notifications dropped because the spool was full.', labels),
      attempts: t.counter('unitrack_webhook_attempts_total', 'Delivery attempts.', labels),
    };
    t.gauge('unitrack_webhook_spool_size', 'Notifications waiting in the spool.', () => this.#pending.size, labels);
    t.gauge(
      'unitrack_webhook_circuit_open',
      '1 while the circuit breaker holds deliveries back.',
      () => (this.#breaker.state === 'closed' ? 0 : 1),
      labels,
    );
    for (const n of this.#spool.load()) this.#pending.set(n.id, { ...n, dueAt: 0, inFlight: false });
    if (this.#pending.size) this.#schedule(0);
  }

  describe(): Description {
    return { paths: [{ name: 'webhook spool', path: `${this.#o.spool.directory.replace(/\/+$/, '')}/` }] };
  }

  export(records: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    try {
      const now = new Date();
      for (const r of records) {
        if (this.#pending.size >= this.#o.spool.maxItems) {
          this.#c.dropped.add();
          continue;
        }
        const n: Notification = {
          id: `msg_${randomUUID()}`,
          body: renderBody(this.#o.format, r, now, { dashboardUrl: this.#o.dashboardUrl }),
          createdAt: now.getTime(),
          attempts: 0,
        };
        this.#spool.write(n);
        this.#pending.set(n.id, { ...n, dueAt: 0, inFlight: false });
      }
      this.#schedule(0);
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  #schedule(delayMs: number): void {
    if (this.#closed && this.#waiters.size === 0) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#pump(), Math.max(0, delayMs));
    this.#timer.unref();
  }

  #pump(): void {
    this.#timer = undefined;
    if (this.#gone) return;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const p of this.#pending.values()) {
      if (this.#inFlight >= this.#o.concurrency) break;
      if (p.inFlight) continue;
      if (p.dueAt > now) {
        next = Math.min(next, p.dueAt);
        continue;
      }
      if (!this.#breaker.allow(now)) {
        next = Math.min(next, this.#breaker.retryAt || now + 100);
        break;
      }
      p.inFlight = true;
      this.#inFlight++;
      void this.#attempt(p).finally(() => {
        p.inFlight = false;
        this.#inFlight--;
        this.#notify();
        this.#schedule(0);
      });
    }
    if (Number.isFinite(next)) this.#schedule(next - now);
  }

  async #attempt(p: Pending): Promise<void> {
    p.attempts++;
    this.#c.attempts.add();
    const outcome = await this.#send(p);
    const now = Date.now();
    switch (outcome.kind) {
      case 'delivered':
        this.#breaker.success();
        this.#finish(p);
        this.#c.delivered.add();
        return;
      case 'reject':
        this.#breaker.success(); // the endpoint answered: it is up
        diag.warn(`unitrack: webhook ${this.#o.id} refused notification ${p.id}: ${outcome.why}`);
        this.#finish(p);
        this.#c.failed.add();
        return;
      case 'gone':
        diag.error(
          `unitrack: webhook ${this.#o.id} answered 410 Gone; the endpoint is disabled, ${this.#pending.size} notifications are dropped`,
        );
        this.#gone = true;
        for (const q of [...this.#pending.values()]) this.#finish(q);
        this.#c.failed.add();
        return;
      case 'retry': {
        this.#breaker.failure(now);
        if (now - p.createdAt >= this.#o.retry.maxElapsedMs) {
          diag.warn(`unitrack: webhook ${this.#o.id} gave up on ${p.id} after ${p.attempts} attempts: ${outcome.why}`);
          this.#finish(p);
          this.#c.failed.add();
          return;
        }
        const backoff = Math.min(this.#o.retry.maxIntervalMs, this.#o.retry.initialIntervalMs * 2 ** (p.attempts - 1));
        const jittered = backoff / 2 + Math.random() * (backoff / 2);
        p.dueAt = now + Math.max(jittered, outcome.afterMs ?? 0);
        this.#c.retries.add();
      }
    }
  }

  #finish(p: Pending): void {
    this.#pending.delete(p.id);
    this.#spool.remove(p.id);
  }

  async #send(p: Pending): Promise<Outcome> {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = { ...this.#o.headers, 'content-type': 'application/json', 'user-agent': 'unitrack-webhook' };
    if (this.#standardHeaders) {
      headers['webhook-id'] = p.id;
      headers['webhook-timestamp'] = String(timestamp);
    }
    if (this.#key) headers['webhook-signature'] = sign(this.#key, p.id, timestamp, p.body);
    try {
      // Runs from the exporter's own timers, in whatever context scheduled them: never the app's traffic.
      const pool = await this.#connections();
      const res = await untraced(() => pool.request({ path: this.#path, method: 'POST', headers, body: p.body }));
      const s = res.statusCode;
      // A 429 may say when to come back in its body too (Discord's `retry_after`); others are drained unread.
      let text: string | undefined;
      if (s === 429) text = await readText(res.body, 64 * 1024);
      else await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      if (s >= 200 && s < 300) return { kind: 'delivered' };
      if (s === 410) return { kind: 'gone' };
      if (s === 429) {
        const after = [retryAfterMs(res.headers['retry-after']), retryAfterBodyMs(text)].filter((v) => v !== undefined);
        return { kind: 'retry', afterMs: after.length ? Math.max(...after) : undefined, why: `HTTP ${s}` };
      }
      if (s === 408 || s >= 500) return { kind: 'retry', afterMs: retryAfterMs(res.headers['retry-after']), why: `HTTP ${s}` };
      return { kind: 'reject', why: `HTTP ${s}${s >= 300 && s < 400 ? ' (redirects are not followed)' : ''}` };
    } catch (error) {
      return { kind: 'retry', why: (error as Error).message };
    }
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Waits until the spool is empty, or nothing is due within the flush timeout. */
  async forceFlush(): Promise<void> {
    const deadline = Date.now() + this.#o.flushTimeoutMs;
    this.#schedule(0);
    while (this.#pending.size > 0 && !this.#gone && Date.now() < deadline) {
      const soonest = Math.min(...[...this.#pending.values()].map((p) => (p.inFlight ? 0 : p.dueAt)));
      if (soonest > deadline) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#waiters.delete(done);
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(done, Math.min(250, Math.max(1, deadline - Date.now())));
        this.#waiters.add(done);
      });
    }
  }

  /** Delivers what it can within the flush timeout; the rest stays spooled for the next start. */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    await this.forceFlush();
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#pool) await (await this.#pool).close().catch(() => undefined);
  }

  #connections(): Promise<Pool> {
    const o = this.#o;
    this.#pool ??= import('undici').then(
      ({ Pool }) =>
        new Pool(this.#origin, {
          connections: o.concurrency,
          connect: { timeout: o.timeoutMs },
          headersTimeout: o.timeoutMs,
          bodyTimeout: o.timeoutMs,
          keepAliveTimeout: 4000,
        }),
    );
    return this.#pool;
  }

  /** Notifications not yet delivered. */
  get pending(): number {
    return this.#pending.size;
  }
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds; capped at an hour. */
export function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const seconds = Number(v);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(v) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 3_600_000) : undefined;
}

/** Discord's 429 body `{"retry_after": <seconds, a float>, …}`, in milliseconds; capped at an hour. */
export function retryAfterBodyMs(text: string | undefined): number | undefined {
  if (!text?.includes('retry_after')) return undefined;
  try {
    const seconds = (JSON.parse(text as string) as { retry_after?: unknown }).retry_after;
    return typeof seconds === 'number' && Number.isFinite(seconds) ? Math.min(Math.max(seconds * 1000, 0), 3_600_000) : undefined;
  } catch {
    return undefined;
  }
}

/** At most `limit` bytes of a response body as text; the rest is discarded. */
async function readText(body: AsyncIterable<Buffer | Uint8Array>, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      if (size < limit) chunks.push(Buffer.from(chunk));
      size += chunk.length;
    }
  } catch {
    return undefined;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
