import { z } from 'zod';
import type { ExporterFactory } from '../../collector/component.ts';
import { JsonFileExporter } from './jsonfile-exporter.ts';

export const jsonFileConfig = z.strictObject({
  /** The JSON lines file. */
  path: z.string().min(1).default('./data/events.jsonl'),
});

export const jsonFileFactory: ExporterFactory<typeof jsonFileConfig> = {
  kind: 'exporter',
  type: 'jsonfile',
  config: jsonFileConfig,
  create: ({ config }) => new JsonFileExporter({ path: config.path }),
};
