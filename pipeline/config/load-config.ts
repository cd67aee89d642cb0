import { fileURLToPath } from 'node:url';
import type { Registry } from '../registry.ts';
import { resolveConfig, type ServiceConfig } from './service-config.ts';
import { objectSource, readConfigFiles } from './source.ts';

/** The embedded default: `collector-config/default.yaml` in this package. */
export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../../collector-config/default.yaml', import.meta.url));

/** A config as users give it: file path(s), an already-parsed object, or nothing for the default. */
export type ConfigInput = string | readonly string[] | Record<string, unknown> | undefined;

/**
 * Reads and validates a config against the factories the caller ships (the CLI and the SDK hand
 * in `defaultRegistry()`, as an otelcol distribution hands its factories to the collector);
 * throws ConfigError listing every problem with its YAML path.
 */
export function loadServiceConfig(input: ConfigInput, registry: Registry, env = process.env): ServiceConfig {
  const source =
    input === undefined
      ? readConfigFiles([DEFAULT_CONFIG_PATH])
      : typeof input === 'string'
        ? readConfigFiles([input])
        : Array.isArray(input)
          ? readConfigFiles(input as readonly string[])
          : objectSource(input);
  return resolveConfig(source, registry, env);
}
