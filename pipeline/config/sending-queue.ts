import { z } from 'zod';

/** The defaults of every exporter's `sending_queue`; an exporter may prefer another batch size. */
export const SENDING_QUEUE_DEFAULTS = { queue_size: 10_000, batch_size: 512 } as const;

/**
 * `sending_queue`, the bounded batching queue the engine puts in front of every exporter (otelcol's
 * key): `queue_size` records held before new ones are dropped and counted, `batch_size` records
 * handed to the exporter in one call. The engine reads it for every exporter; a factory only says
 * which defaults it prefers.
 */
export function sendingQueueConfig(defaults: Partial<SendingQueue> = {}) {
  const queue = z.strictObject({
    queue_size: z
      .int()
      .positive()
      .default(defaults.queue_size ?? SENDING_QUEUE_DEFAULTS.queue_size),
    batch_size: z
      .int()
      .positive()
      .default(defaults.batch_size ?? SENDING_QUEUE_DEFAULTS.batch_size),
  });
  // `sending_queue:` with nothing under it is the defaults, as an absent one is.
  return queue.nullish().transform((v): SendingQueue => v ?? queue.parse({}));
}

export interface SendingQueue {
  readonly queue_size: number;
  readonly batch_size: number;
}
