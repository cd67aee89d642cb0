import { z } from 'zod';
import type { ProcessorFactory } from '../../pipeline/component.ts';
import { duration } from '../../pipeline/config/duration.ts';
import { RateLimiterProcessor } from './rate-limiter-processor.ts';

const positive = duration.refine((ms) => ms > 0, 'a window must be longer than 0');

const limit = (limitDefault: number) =>
  z
    .strictObject({
      /** Records let through per window; 0 turns this limit off. */
      limit: z.int().nonnegative().default(limitDefault),
      window: positive.default(60_000),
    })
    .default({ limit: limitDefault, window: 60_000 });

export const rateLimiterConfig = z.strictObject({
  /** Per group (`unitrack.fingerprint`, else the event name, else the body). Default 100 per 1m. */
  per_group: limit(100),
  /** Over all records. Default 1000 per 1m. */
  global: limit(1000),
  /**
   * Groups tracked at once (memory bound, ~170 bytes a group); the least recently seen is summarized
   * and forgotten. Groups whose window ended go sooner. As many as the fingerprint processor holds.
   */
  max_groups: z.int().positive().default(20_000),
});

/** `rate_limiter`: per-group and global limits with exact summaries of what was suppressed. */
export const rateLimiterFactory: ProcessorFactory<typeof rateLimiterConfig> = {
  kind: 'processor',
  type: 'rate_limiter',
  config: rateLimiterConfig,
  create: ({ id, config, host }, next) =>
    new RateLimiterProcessor(next, {
      id,
      perGroup: config.per_group,
      global: config.global,
      maxGroups: config.max_groups,
      telemetry: host.telemetry,
    }),
};
