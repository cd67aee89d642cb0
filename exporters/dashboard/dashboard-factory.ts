import { join } from 'node:path';
import { z } from 'zod';
import type { ExporterFactory } from '../../pipeline/component.ts';
import { duration } from '../../pipeline/config/duration.ts';
import { splitEndpoint } from '../../pipeline/endpoint.ts';
import { isLoopback } from './auth.ts';
import { DashboardExporter } from './dashboard-exporter.ts';

export const dashboardConfig = z
  .strictObject({
    /** host:port; loopback by default. Any other address requires `token`. */
    endpoint: z.string().default('127.0.0.1:4319'),
    /** Bearer token for the API and the page. */
    token: z.string().default(''),
    /**
     * Host names the dashboard answers to besides its bind address, IP addresses and localhost
     * (a proxy's or a DNS name); `.example.com` admits it and every subdomain. Any other Host is
     * refused (403), which stops DNS rebinding.
     */
    allowed_hosts: z
      .array(
        z
          .string()
          .regex(
            /^\.?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/,
            'must be a host name (no scheme or port), or .domain for a domain and its subdomains',
          ),
      )
      .default([]),
    /**
     * Recent events kept for stream clients: replay on reconnect, and how far a slow client may fall
     * behind before it is dropped. Each costs its JSON (~700 bytes with its head) in the heap.
     */
    buffer_size: z.int().positive().default(2_000),
    heartbeat_interval: duration.prefault('10s'),
    /** Reconnection delay told to stream clients, in milliseconds. */
    retry: z.int().nonnegative().default(2000),
    store: z
      .strictObject({
        /** SQLite file for recent events; `:memory:` keeps none across restarts. Default `<data dir>/dashboard.db`. */
        path: z.string().optional(),
        max_events: z.int().positive().default(100_000),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    let host: string;
    try {
      host = splitEndpoint(c.endpoint).host;
    } catch {
      ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'must be host:port' });
      return;
    }
    if (!isLoopback(host) && !c.token) {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: `a token is required when the dashboard listens on ${host}, which is not loopback`,
      });
    }
  });

export const dashboardFactory: ExporterFactory<typeof dashboardConfig> = {
  kind: 'exporter',
  type: 'dashboard',
  config: dashboardConfig,
  create({ config, host }) {
    const { host: bind, port } = splitEndpoint(config.endpoint);
    return new DashboardExporter({
      componentHost: host,
      host: bind,
      port,
      token: config.token || undefined,
      allowedHosts: config.allowed_hosts,
      storePath: config.store.path ?? join(host.dataDir, 'dashboard.db'),
      maxEvents: config.store.max_events,
      bufferSize: config.buffer_size,
      heartbeatMs: config.heartbeat_interval,
      retryMs: config.retry,
    });
  },
};
