import { routingFactory } from '../connectors/routing/routing-factory.ts';
import { blogFactory } from '../exporters/blog/blog-factory.ts';
import { dashboardFactory } from '../exporters/dashboard/dashboard-factory.ts';
import { jsonFileFactory } from '../exporters/jsonfile/jsonfile-factory.ts';
import { otlpFactory } from '../exporters/otlp/otlp-factory.ts';
import { otlpHttpFactory } from '../exporters/otlp-http/otlp-http-factory.ts';
import { webhookFactory } from '../exporters/webhook/webhook-factory.ts';
import { Registry } from '../pipeline/registry.ts';
import { batchFactory } from '../processors/batch/batch-factory.ts';
import { fingerprintFactory } from '../processors/fingerprint/fingerprint-factory.ts';
import { rateLimiterFactory } from '../processors/rate-limiter/rate-limiter-factory.ts';
import { redactionFactory } from '../processors/redaction/redaction-factory.ts';
import { samplerFactory } from '../processors/sampler/sampler-factory.ts';
import { otlpReceiverFactory } from '../receivers/otlp/otlp-receiver-factory.ts';

/** Every component unitrack ships, by kind. New components register here. */
export function defaultRegistry(): Registry {
  return new Registry().register(
    // receivers
    otlpReceiverFactory,
    // processors
    redactionFactory,
    fingerprintFactory,
    samplerFactory,
    rateLimiterFactory,
    batchFactory,
    // connectors
    routingFactory,
    // exporters
    jsonFileFactory,
    blogFactory,
    webhookFactory,
    dashboardFactory,
    otlpHttpFactory,
    otlpFactory,
  );
}
