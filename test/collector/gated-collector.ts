import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { z } from 'zod';
import { defaultRegistry } from '../../cli/components.ts';
import type { ExporterFactory } from '../../pipeline/component.ts';
import { resolveConfig } from '../../pipeline/config/service-config.ts';
import { objectSource } from '../../pipeline/config/source.ts';
import { Service, type ServiceOptions } from '../../pipeline/service.ts';
import type { OtlpProtocols } from '../../receivers/otlp/otlp-protocols.ts';

/**
 * A collector whose exporter `gate` holds every batch until `open()` (open from the start with
 * `{ open: true }`); what it was given is in `received`. `http` and `grpc` are the `otlp`
 * receiver's ports (0 when that protocol is not configured). Each test gets its own.
 */
export async function gatedCollector(config: Record<string, unknown>, options: ServiceOptions & { open?: boolean } = {}) {
  const received: ReadableLogRecord[] = [];
  const waiting: (() => void)[] = [];
  let isOpen = options.open ?? false;
  const gate: ExporterFactory = {
    kind: 'exporter',
    type: 'gate',
    config: z.strictObject({ sending_queue: z.strictObject({ queue_size: z.number() }).optional() }),
    create: () => ({
      export(records, done) {
        const finish = () => {
          received.push(...records);
          done({ code: ExportResultCode.SUCCESS });
        };
        if (isOpen) finish();
        else waiting.push(finish);
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    }),
  };
  const service = new Service(resolveConfig(objectSource(config), defaultRegistry().register(gate), {}), {
    mode: 'collector',
    ...options,
  });
  await service.start();
  const otlp = service.receivers.get('otlp') as OtlpProtocols | undefined;
  const open = () => {
    isOpen = true;
    for (const release of waiting.splice(0)) release();
  };
  return { service, received, open, http: otlp?.http?.address?.port ?? 0, grpc: otlp?.grpc?.address?.port ?? 0 };
}
