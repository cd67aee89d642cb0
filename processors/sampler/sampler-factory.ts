import { z } from 'zod';
import type { ProcessorFactory } from '../../pipeline/component.ts';
import { SamplerProcessor } from './sampler-processor.ts';

const rate = (d: number) => z.number().min(0).max(1).default(d);

export const samplerConfig = z.strictObject({
  /** Keep probability per level (0..1). */
  rates: z
    .strictObject({ critical: rate(1), high: rate(1), medium: rate(0.5), low: rate(0.2), info: rate(0.1), debug: rate(0.01) })
    .default({ critical: 1, high: 1, medium: 0.5, low: 0.2, info: 0.1, debug: 0.01 }),
  /** For records without a trace ID: decide by a stable hash of this attribute's value (e.g. unitrack.correlation_id). */
  from_attribute: z.string().min(1).optional(),
});

/** `sampler`: per-severity, trace-consistent sampling that never hides a new group or an alert. */
export const samplerFactory: ProcessorFactory<typeof samplerConfig> = {
  kind: 'processor',
  type: 'sampler',
  config: samplerConfig,
  create: ({ id, config, host }, next) =>
    new SamplerProcessor(next, { id, rates: config.rates, fromAttribute: config.from_attribute, telemetry: host.telemetry }),
};
