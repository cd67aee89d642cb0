import { jsonFileFactory } from '../exporters/jsonfile/jsonfile-factory.ts';
import { otlpReceiverFactory } from './otlp-receiver/otlp-receiver-factory.ts';
import { Registry } from './registry.ts';

/** Every component unitrack ships, by kind. New components register here. */
export function defaultRegistry(): Registry {
  return new Registry().register(
    // receivers
    otlpReceiverFactory,
    // processors
    // connectors
    // exporters
    jsonFileFactory,
  );
}
