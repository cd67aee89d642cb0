import { resolve } from 'node:path';
import { z } from 'zod';
import type { ExporterFactory } from '../../pipeline/component.ts';
import { duration } from '../../pipeline/config/duration.ts';
import { JsonLinesWriter, type RotationOptions } from './json-lines-writer.ts';
import { JsonFileExporter } from './jsonfile-exporter.ts';

export const jsonFileConfig = z.strictObject({
  /** The JSON lines file. */
  path: z.string().min(1).default('./data/events.jsonl'),
  /** `json`: the design's event lines; `otlp_json`: OTLP JSON requests, for otelcol's otlpjsonfile receiver. */
  format: z.enum(['json', 'otlp_json']).default('json'),
  /** As otelcol's file exporter (lumberjack), plus `interval` for rotation by age. */
  rotation: z
    .strictObject({
      /** Rotate before the file grows past this size; 0 never. */
      max_megabytes: z.number().nonnegative().default(100),
      /** Delete backups older than this many days (by the time in their names); 0 keeps them. */
      max_days: z.number().nonnegative().default(0),
      /** Backups kept, newest first; 0 keeps all. */
      max_backups: z.int().nonnegative().default(10),
      /** Backup names in local time instead of UTC. */
      localtime: z.boolean().default(false),
      /** Gzip backups (`.gz`) in the background. */
      compress: z.boolean().default(false),
      /** Rotate the active file once it is this old (`24h`); 0 never. */
      interval: duration.prefault(0),
    })
    .prefault({}),
});

type JsonFileConfig = z.output<typeof jsonFileConfig>;

/** One writer per file in a process: exporters that name the same path share it and never interleave. */
const writers = new Map<string, { writer: JsonLinesWriter; format: string; owner: string; refs: number }>();

function rotationOf(config: JsonFileConfig): RotationOptions {
  const r = config.rotation;
  return {
    maxBytes: Math.round(r.max_megabytes * 1024 * 1024),
    intervalMs: r.interval,
    maxAgeMs: r.max_days * 86_400_000,
    maxBackups: r.max_backups,
    compress: r.compress,
    localTime: r.localtime,
  };
}

function acquire(id: string, config: JsonFileConfig): { writer: JsonLinesWriter; release: () => Promise<void> } {
  const key = resolve(config.path);
  const rotation = rotationOf(config);
  let entry = writers.get(key);
  if (entry) {
    // One file has one format and one rotation policy: a second exporter must agree.
    if (entry.format !== config.format || JSON.stringify(entry.writer.rotation) !== JSON.stringify(rotation))
      throw new Error(`${config.path} is already written by ${entry.owner} with another format or rotation`);
  } else writers.set(key, (entry = { writer: new JsonLinesWriter(config.path, rotation), format: config.format, owner: id, refs: 0 }));
  entry.refs++;
  const e = entry;
  let released = false;
  return {
    writer: e.writer,
    release: async () => {
      if (released) return;
      released = true;
      if (--e.refs > 0) return;
      writers.delete(key);
      await e.writer.close();
    },
  };
}

export const jsonFileFactory: ExporterFactory<typeof jsonFileConfig> = {
  kind: 'exporter',
  type: 'jsonfile',
  config: jsonFileConfig,
  // A local file has no request-size limit, and one export (one write) is in flight at a time:
  // under load, larger batches keep up with the input where 512 a turn of the event loop would not.
  sendingQueue: { batch_size: 4096 },
  create: ({ id, config, host }) => {
    const { writer, release } = acquire(id, config);
    return new JsonFileExporter({ id, writer, format: config.format, host, release });
  },
};
