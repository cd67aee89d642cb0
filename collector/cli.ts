import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { ConfigError } from './config/config-error.ts';
import { DEFAULT_CONFIG_PATH, loadServiceConfig } from './config/load-config.ts';
import { Service } from './service.ts';

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, failure: 1, usage: 2, config: 3 } as const;

const HELP = `unitrack — OpenTelemetry-native unified event tracking

Usage:
  unitrack collector [--config FILE]...   run the collector (OTLP/HTTP in, the configured pipelines out)
  unitrack validate  [--config FILE]...   check a config; every error with its YAML path
  unitrack --help | --version

--config may be given several times: files merge in order, as in otelcol.
Without --config, collector-config/default.yaml is used.

Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 invalid config.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const options = {
    config: { type: 'string', multiple: true },
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
    default:
      process.stderr.write(`unitrack: unknown command "${command}"\n\n${HELP}\n`);
      return EXIT.usage;
  }
}

function validate(files: string[]): number {
  try {
    const config = loadServiceConfig(files);
    for (const w of config.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`${files.join(', ')}: valid (${config.pipelines.size} pipelines)\n`);
    return EXIT.ok;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return error instanceof ConfigError ? EXIT.config : EXIT.failure;
  }
}

async function collector(files: string[]): Promise<number> {
  diag.setLogger(new DiagConsoleLogger(), process.env.UNITRACK_LOG_LEVEL === 'debug' ? DiagLogLevel.DEBUG : DiagLogLevel.WARN);
  let service: Service;
  try {
    const config = loadServiceConfig(files);
    for (const w of config.warnings) process.stderr.write(`warning: ${w}\n`);
    service = new Service(config, { mode: 'collector' });
    await service.start();
  } catch (error) {
    process.stderr.write(`unitrack: ${(error as Error).message}\n`);
    return error instanceof ConfigError ? EXIT.config : EXIT.failure;
  }
  process.stderr.write(`unitrack collector running (${files.join(', ')})\n`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`unitrack: second ${signal}, exiting now\n`);
        process.exit(EXIT.failure);
      }
      stopping = true;
      process.stderr.write(`unitrack: ${signal}, draining\n`);
      service.shutdown().then(
        () => resolve(EXIT.ok),
        (error) => {
          process.stderr.write(`unitrack: shutdown failed: ${(error as Error).message}\n`);
          resolve(EXIT.failure);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
