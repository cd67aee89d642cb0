// Tests load configs against the component list unitrack ships, as the CLI and the SDK do.
import { defaultRegistry } from '../../cli/components.ts';
import { type ConfigInput, loadServiceConfig as load } from '../../pipeline/config/load-config.ts';
import type { ServiceConfig } from '../../pipeline/config/service-config.ts';

export function loadServiceConfig(input: ConfigInput, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return load(input, defaultRegistry(), env);
}
