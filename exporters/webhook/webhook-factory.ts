import { join } from 'node:path';
import { diag } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { z } from 'zod';
import type { ExporterFactory } from '../../pipeline/component.ts';
import { duration } from '../../pipeline/config/duration.ts';
import { checkWritableDirectory } from '../../pipeline/start-up.ts';
import { isChatFormat } from './payload.ts';
import { secretKey } from './signature.ts';
import { WebhookExporter } from './webhook-exporter.ts';

export const webhookConfig = z.strictObject({
  /** The receiver's URL; empty (an unset `${env:…}`) disables the exporter, which then counts what it skips. */
  endpoint: z
    .string()
    .default('')
    .refine((v) => v === '' || /^https?:\/\/[^\s]+$/.test(v), 'must be an http(s) URL, or empty to disable'),
  /** `whsec_<base64>`; empty sends unsigned notifications. */
  secret: z
    .string()
    .default('')
    .refine((v) => {
      if (v === '') return true;
      try {
        secretKey(v);
        return true;
      } catch {
        return false;
      }
    }, 'must be whsec_ followed by at least 16 bytes of base64 (Standard Webhooks)'),
  /**
   * `standard` (unitrack.alert, signed), `slack` (incoming webhook: text + Block Kit), `discord`
   * (content + embed), `teams` (Workflows webhook: an Adaptive Card), or `plain` (text + event, signed).
   */
  format: z.enum(['standard', 'slack', 'discord', 'teams', 'plain']).default('standard'),
  /** The dashboard as readers reach it (`https://unitrack.example.com`): chat messages link to the group there. */
  dashboard_url: z
    .string()
    .default('')
    .refine((v) => v === '' || /^https?:\/\/[^\s]+$/.test(v), 'must be an http(s) URL, or empty for no links'),
  headers: z.record(z.string(), z.string()).default({}),
  /** Connect, headers and body timeout of one attempt. */
  timeout: duration.prefault('15s'),
  retry_on_failure: z
    .strictObject({
      initial_interval: duration.prefault('5s'),
      max_interval: duration.prefault('30m'),
      /** Past this age a notification is given up on (Standard Webhooks retries for about a day). */
      max_elapsed_time: duration.prefault('24h'),
    })
    .prefault({}),
  spool: z
    .strictObject({
      /** Default `<data dir>/webhook-spool/<exporter id>`. */
      directory: z.string().optional(),
      max_items: z.int().positive().default(10_000),
    })
    .prefault({}),
  circuit_breaker: z
    .strictObject({ failure_threshold: z.int().positive().default(5), reset_timeout: duration.prefault('30s') })
    .prefault({}),
  concurrency: z.int().positive().max(64).default(4),
  /** How long a flush or shutdown waits for deliveries before leaving the rest spooled. */
  flush_timeout: duration.prefault('5s'),
});

export const webhookFactory: ExporterFactory<typeof webhookConfig> = {
  kind: 'exporter',
  type: 'webhook',
  config: webhookConfig,
  create({ id, config, host }) {
    if (!config.endpoint) {
      const skipped = host.telemetry.counter('unitrack_webhook_skipped_total', 'Notifications skipped because no endpoint is configured.', {
        exporter: id,
      });
      diag.info(`unitrack: ${id} has no endpoint; notifications are counted and skipped`);
      return {
        export: (records, done) => {
          skipped.add(records.length);
          done({ code: ExportResultCode.SUCCESS });
        },
        forceFlush: async () => {},
        shutdown: async () => {},
        describe: () => ({ notes: ['no endpoint set: notifications are counted and skipped'] }),
      };
    }
    if (config.secret && isChatFormat(config.format))
      diag.warn(`unitrack: ${id} sends format ${config.format} unsigned; the secret is ignored (chat services verify no signature)`);
    const spoolDirectory = config.spool.directory ?? join(host.dataDir, 'webhook-spool', id.replace('/', '_'));
    // The spool is opened (and read) as the exporter is created: check it first, so a failure names the directory.
    checkWritableDirectory(spoolDirectory);
    return new WebhookExporter({
      id,
      endpoint: config.endpoint,
      secret: config.secret || undefined,
      format: config.format,
      dashboardUrl: config.dashboard_url || undefined,
      headers: config.headers,
      timeoutMs: config.timeout,
      retry: {
        initialIntervalMs: config.retry_on_failure.initial_interval,
        maxIntervalMs: config.retry_on_failure.max_interval,
        maxElapsedMs: config.retry_on_failure.max_elapsed_time,
      },
      spool: {
        directory: spoolDirectory,
        maxItems: config.spool.max_items,
      },
      circuitBreaker: { failureThreshold: config.circuit_breaker.failure_threshold, resetTimeoutMs: config.circuit_breaker.reset_timeout },
      concurrency: config.concurrency,
      flushTimeoutMs: config.flush_timeout,
      telemetry: host.telemetry,
    });
  },
};
