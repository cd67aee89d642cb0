import { join } from 'node:path';
import { z } from 'zod';
import type { ExporterFactory } from '../../pipeline/component.ts';
import { duration } from '../../pipeline/config/duration.ts';
import { BlogExporter } from './blog-exporter.ts';

export const blogConfig = z.strictObject({
  /** Default `<data dir>/blog`. */
  directory: z.string().min(1).optional(),
  /** Repeats of one group inside this window collapse into one line. */
  collapse_window: duration.prefault('5m'),
  /**
   * New lines are appended at once; the summary line and `repeated N×` counts, which change what is
   * already written, are rewritten (atomically) at most once per this interval, and on flush/shutdown.
   */
  rewrite_interval: duration.prefault('1m'),
});

export const blogFactory: ExporterFactory<typeof blogConfig> = {
  kind: 'exporter',
  type: 'blog',
  config: blogConfig,
  create: ({ id, config, host }) =>
    new BlogExporter({
      directory: config.directory ?? join(host.dataDir, 'blog'),
      collapseWindowMs: config.collapse_window,
      rewriteIntervalMs: config.rewrite_interval,
      telemetry: host.telemetry,
      id,
    }),
};
