import { z } from 'zod';
import type { ProcessorFactory } from '../../pipeline/component.ts';
import { duration } from '../../pipeline/config/duration.ts';
import { BatchProcessor } from './batch-processor.ts';

/** otelcol's batch processor keys and defaults; `metadata_keys` (per-client batches) is not supported. */
export const batchConfig = z
  .strictObject({
    /** Records that trigger a send; 0: only the timeout sends. */
    send_batch_size: z.int().nonnegative().default(8192),
    /** Upper bound of one batch; 0: none. Must be 0 or at least send_batch_size. */
    send_batch_max_size: z.int().nonnegative().default(0),
    /** Time after a batch's first record when it is sent regardless of size; 0: send at once. */
    timeout: duration.default(200),
  })
  .superRefine((c, ctx) => {
    if (c.send_batch_max_size > 0 && c.send_batch_max_size < c.send_batch_size) {
      ctx.addIssue({ code: 'custom', path: ['send_batch_max_size'], message: 'must be 0 or at least send_batch_size' });
    }
  });

/** `batch`, as in otelcol: holds records and sends them on together. */
export const batchFactory: ProcessorFactory<typeof batchConfig> = {
  kind: 'processor',
  mutatesData: false, // it only holds records
  type: 'batch',
  config: batchConfig,
  create: ({ id, config, host }, next) =>
    new BatchProcessor(next, {
      id,
      sendBatchSize: config.send_batch_size,
      sendBatchMaxSize: config.send_batch_max_size,
      timeout: config.timeout,
      telemetry: host.telemetry,
    }),
};
