import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DiagConsoleLogger, diag } from '@opentelemetry/api';
import { parseSeverity, SEVERITIES, SEVERITY_NUMBER, SEVERITY_TEXT } from '../model/severity.ts';
import { ConfigError } from '../pipeline/config/config-error.ts';
import { DEFAULT_CONFIG_PATH, loadServiceConfig } from '../pipeline/config/load-config.ts';
import { otelLogLevel } from '../pipeline/log-level.ts';
import { Service, ServiceStartError } from '../pipeline/service.ts';
import { defaultRegistry } from './components.ts';
import { renderEnvironment } from './environment.ts';
import { sizeCollectorHeap } from './heap-sizing.ts';
import { renderStartUpBlock } from './start-up-block.ts';

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, failure: 1, usage: 2, config: 3 } as const;

const HELP = `unitrack — OpenTelemetry-native unified event tracking

Usage:
  unitrack collector [--config FILE]...   run the collector (OTLP/HTTP in, the configured pipelines out)
  unitrack validate  [--config FILE]...   check a config; every error with its YAML path
  unitrack send [--endpoint URL] [--event NAME] [--severity LEVEL] [--message TEXT]
                                          send one test event over OTLP/HTTP (default
                                          $OTEL_EXPORTER_OTLP_ENDPOINT, else http://127.0.0.1:4318)
  unitrack --help | --version

--config may be given several times: files merge in order, as in otelcol.
Without --config, collector-config/default.yaml is used.

The collector prints its endpoints and the files it writes on stderr, then "Everything is
ready"; it exits 1 naming the address or path when any part cannot start. SIGTERM or SIGINT
drains and stops it. /healthz answers 503 while it starts or drains.

Environment (options and config values given explicitly win):
${renderEnvironment()}

Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 invalid config.`;

function version(): string {
  // The package's own package.json by self-reference: the same in the checkout and under dist/.
  const pkg = JSON.parse(readFileSync(new URL(import.meta.resolve('unitrack/package.json')), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const options = {
    config: { type: 'string', multiple: true },
    endpoint: { type: 'string' },
    event: { type: 'string' },
    severity: { type: 'string' },
    message: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  } as const;
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof options }>>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options });
  } catch (error) {
    process.stderr.write(`unitrack: ${(error as Error).message}\n\n${HELP}\n`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`unitrack ${version()}\n`);
    return EXIT.ok;
  }
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(`${HELP}\n`);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const files = values.config?.length ? values.config : [DEFAULT_CONFIG_PATH];
  switch (command) {
    case 'validate':
      return validate(files);
    case 'collector':
      return collector(files);
    case 'send':
      return send(values);
    default:
      process.stderr.write(`unitrack: unknown command "${command}"\n\n${HELP}\n`);
      return EXIT.usage;
  }
}

function validate(files: string[]): number {
  try {
    const config = loadServiceConfig(files, defaultRegistry());
    for (const w of config.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`${files.join(', ')}: valid (${config.pipelines.size} pipelines)\n`);
    return EXIT.ok;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    if (error instanceof ConfigError) for (const w of error.warnings) process.stderr.write(`warning: ${w}\n`);
    return error instanceof ConfigError ? EXIT.config : EXIT.failure;
  }
}

/** Sends one event as OTLP/HTTP JSON and reports what the collector answered. */
async function send(values: { endpoint?: string; event?: string; severity?: string; message?: string }): Promise<number> {
  const severity = parseSeverity(values.severity ?? 'info');
  if (!severity) {
    process.stderr.write(`unitrack: --severity must be one of ${SEVERITIES.join(', ')} (or warning, error, fatal)\n`);
    return EXIT.usage;
  }
  const base = (values.endpoint ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318').replace(/\/+$/, '');
  const url = base.endsWith('/v1/logs') ? base : `${base}/v1/logs`;
  const now = `${BigInt(Date.now()) * 1_000_000n}`;
  const body = {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'unitrack-send' } }] },
        scopeLogs: [
          {
            scope: { name: 'unitrack-cli', version: version() },
            logRecords: [
              {
                timeUnixNano: now,
                observedTimeUnixNano: now,
                severityNumber: SEVERITY_NUMBER[severity],
                severityText: SEVERITY_TEXT[severity],
                eventName: values.event ?? 'unitrack_test_event',
                body: { stringValue: values.message ?? 'Test event from unitrack send' },
                attributes: [{ key: 'unitrack.category', value: { stringValue: 'system' } }],
              },
            ],
          },
        ],
      },
    ],
  };
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) {
      process.stderr.write(`unitrack: ${url} answered ${res.status}: ${text}\n`);
      return EXIT.failure;
    }
    const partial = (JSON.parse(text || '{}') as { partialSuccess?: { rejectedLogRecords?: string; errorMessage?: string } })
      .partialSuccess;
    if (partial && Number(partial.rejectedLogRecords) > 0) {
      process.stderr.write(`unitrack: the event was rejected: ${partial.errorMessage}\n`);
      return EXIT.failure;
    }
    process.stdout.write(`sent ${severity} event to ${url}: accepted\n`);
    return EXIT.ok;
  } catch (error) {
    process.stderr.write(`unitrack: cannot reach ${url}: ${(error as Error).message}\n`);
    return EXIT.failure;
  }
}

async function collector(files: string[]): Promise<number> {
  sizeCollectorHeap();
  const logLevel = otelLogLevel();
  diag.setLogger(new DiagConsoleLogger(), logLevel.level);
  if (logLevel.warning) process.stderr.write(`warning: ${logLevel.warning}\n`);
  let service: Service;
  try {
    const config = loadServiceConfig(files, defaultRegistry());
    for (const w of config.warnings) process.stderr.write(`warning: ${w}\n`);
    service = new Service(config, { mode: 'collector' });
  } catch (error) {
    process.stderr.write(`unitrack: ${(error as Error).message}\n`);
    return error instanceof ConfigError ? EXIT.config : EXIT.failure;
  }
  // Listening before the start: a signal during the start lets it finish (or fail), then drains.
  let stopping = false;
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`unitrack: second ${signal}, exiting now\n`);
      process.exit(EXIT.failure);
    }
    stopping = true;
    process.stderr.write(`unitrack: ${signal}, draining\n`);
    service.shutdown().then(
      () => {
        process.stderr.write('unitrack: drained and stopped\n');
        finish(EXIT.ok);
      },
      (error) => {
        process.stderr.write(`unitrack: shutdown failed: ${(error as Error).message}\n`);
        finish(EXIT.failure);
      },
    );
  };
  const onTerm = () => stop('SIGTERM');
  const onInt = () => stop('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  try {
    await service.start();
  } catch (error) {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    // Everything that had started is stopped again (ports released) before this returns.
    const lines =
      error instanceof ServiceStartError ? error.failures.map((f) => `  ${f.component}: ${f.message}`) : [`  ${(error as Error).message}`];
    process.stderr.write(`unitrack: the collector did not start; what had started is stopped:\n${lines.join('\n')}\n`);
    return EXIT.failure;
  }
  if (!stopping) process.stderr.write(renderStartUpBlock(version(), files, service.describe()));
  return finished;
}
