import { z } from 'zod';
import type { ProcessorFactory } from '../../pipeline/component.ts';
import { RedactionProcessor } from './redaction-processor.ts';

export const redactionConfig = z.strictObject({
  /** Keys (any case) left alone even when named like a secret, e.g. `token_count`. */
  allow_keys: z.array(z.string()).default([]),
  /** Keys (any case) always masked, besides those named like password, secret, token, authorization, cookie, api key. */
  block_keys: z.array(z.string()).default([]),
  /** What replaces a secret. */
  mask: z.string().default('[REDACTED]'),
  /** Mask email addresses in values too. */
  redact_emails: z.boolean().default(false),
});

/** `redaction`: masks secrets in attributes and bodies; runs first so nothing after it sees them. */
export const redactionFactory: ProcessorFactory<typeof redactionConfig> = {
  kind: 'processor',
  type: 'redaction',
  config: redactionConfig,
  create: ({ id, config, host }, next) =>
    new RedactionProcessor(next, {
      id,
      allowKeys: config.allow_keys,
      blockKeys: config.block_keys,
      mask: config.mask,
      redactEmails: config.redact_emails,
      telemetry: host.telemetry,
    }),
};
