import { z } from 'zod';
import type { ReceiverFactory } from '../component.ts';

const httpConfig = z.strictObject({
  /** host:port to listen on. */
  endpoint: z.string().default('127.0.0.1:4318'),
});

export const otlpReceiverConfig = z.strictObject({
  protocols: z
    .strictObject({
      http: httpConfig
        .nullable()
        .transform((v) => v ?? httpConfig.parse({}))
        .default({ endpoint: '127.0.0.1:4318' }),
    })
    .default({ http: { endpoint: '127.0.0.1:4318' } }),
});

/** The OTLP receiver. Embedded, it opens no port: the SDK's records enter its pipelines directly. */
export const otlpReceiverFactory: ReceiverFactory<typeof otlpReceiverConfig> = {
  kind: 'receiver',
  type: 'otlp',
  config: otlpReceiverConfig,
  create() {
    throw new Error('the OTLP/HTTP receiver is not built yet');
  },
};
