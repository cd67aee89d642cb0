import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { z } from 'zod';
import type { ExporterFactory } from '../../collector/component.ts';
import { defaultRegistry } from '../../collector/components.ts';
import { resolveConfig } from '../../collector/config/service-config.ts';
import { objectSource } from '../../collector/config/source.ts';
import type { OtlpProtocols } from '../../collector/otlp-receiver/otlp-protocols.ts';
import { Service, type ServiceOptions } from '../../collector/service.ts';

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
