import { join } from 'node:path';
import { DiagLogLevel, diag, logs } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { track, unitrackProcessor } from '../../sdk/index.ts';
import { tempDir } from '../helpers/tmp.ts';

describe('unitrackProcessor in a LoggerProvider that is not the global one', () => {
  it('counts track() records that never reached the pipeline and says so once', async () => {
    const warnings: string[] = [];
    diag.setLogger(
      { warn: (m: string) => warnings.push(m), error: () => {}, info: () => {}, debug: () => {}, verbose: () => {} },
      DiagLogLevel.WARN,
    );
    const processor = unitrackProcessor({
      receivers: { otlp: {} },
      exporters: { jsonfile: { path: join(tempDir(), 'events.jsonl') } },
      service: { pipelines: { logs: { receivers: ['otlp'], exporters: ['jsonfile'] } } },
    });
    new LoggerProvider({ processors: [processor] }); // forgotten: logs.setGlobalLoggerProvider(provider)
    track({ event: 'lost_1', message: 'one' });
    track({ event: 'lost_2', message: 'two' });
    expect(processor.received).toBe(0);
    expect(processor.telemetry.value('unitrack_sdk_dropped_total')).toBe(2);
    expect(warnings.filter((w) => w.includes('did not receive'))).toHaveLength(1);

    // Registered late, the same logger reaches the pipeline from then on.
    logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [processor] }));
    track({ event: 'kept', message: 'three' });
    expect(processor.received).toBe(1);
    expect(processor.telemetry.value('unitrack_sdk_dropped_total')).toBe(2);
    await processor.shutdown();
    diag.disable();
  });
});
