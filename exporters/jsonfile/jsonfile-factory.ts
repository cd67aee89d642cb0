import { resolve } from 'node:path';
import { z } from 'zod';
import type { ExporterFactory } from '../../collector/component.ts';
import { JsonLinesWriter, type RotationOptions } from './json-lines-writer.ts';
import { JsonFileExporter } from './jsonfile-exporter.ts';

export const jsonFileConfig = z.strictObject({
  /** The JSON lines file. */
  path: z.string().min(1).default('./data/events.jsonl'),
  /** `json`: the design's event lines; `otlp_json`: OTLP JSON requests, for otelcol's otlpjsonfile receiver. */
  format: z.enum(['json', 'otlp_json']).default('json'),
  /** As otelcol's file exporter: rotate by size and age, keep a bounded number of files. */
  rotation: z
    .strictObject({
      max_megabytes: z.number().nonnegative().default(100),
      max_days: z.number().nonnegative().default(0),
      max_backups: z.int().nonnegative().default(10),
      compress: z.boolean().default(false),
    })
    .prefault({}),
  sending_queue: z.strictObject({ queue_size: z.int().positive().default(10_000) }).optional(),
});

/** One writer per file in a process: pipelines that name the same path never interleave. */
const writers = new Map<string, { writer: JsonLinesWriter; refs: number }>();

function acquire(path: string, rotation: RotationOptions): { writer: JsonLinesWriter; release: () => void } {
  const key = resolve(path);
  let entry = writers.get(key);
  if (!entry) writers.set(key, (entry = { writer: new JsonLinesWriter(path, rotation), refs: 0 }));
  entry.refs++;
  const e = entry;
  return {
    writer: e.writer,
    release: () => {
      if (--e.refs === 0) {
        writers.delete(key);
        e.writer.close();
      }
    },
  };
}

export const jsonFileFactory: ExporterFactory<typeof jsonFileConfig> = {
  kind: 'exporter',
  type: 'jsonfile',
  config: jsonFileConfig,
  create: ({ id, config, host }) => {
    const { writer, release } = acquire(config.path, {
      maxBytes: config.rotation.max_megabytes * 1024 * 1024,
      maxAgeMs: config.rotation.max_days * 86_400_000,
      maxBackups: config.rotation.max_backups,
      compress: config.rotation.compress,
    });
    return new JsonFileExporter({ id, writer, format: config.format, host, release });
  },
};
