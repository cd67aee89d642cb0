import type { z } from 'zod';
import type { AnyFactory, ConnectorFactory, ExporterFactory, Kind, ProcessorFactory, ReceiverFactory } from '../component.ts';
import type { Registry } from '../registry.ts';
import { ConfigError, type ConfigIssue, joinPath } from './config-error.ts';
import { expandEnv } from './expand-env.ts';
import type { ConfigSource } from './source.ts';

export interface ComponentConfig<F extends AnyFactory = AnyFactory> {
  readonly id: string;
  readonly factory: F;
  readonly config: z.output<F['config']>;
}

export interface PipelineConfig {
  readonly id: string;
  readonly receivers: readonly string[];
  readonly processors: readonly string[];
  readonly exporters: readonly string[];
}

/** A validated config: every component resolved to its factory, every pipeline checked. */
export interface ServiceConfig {
  readonly receivers: ReadonlyMap<string, ComponentConfig<ReceiverFactory>>;
  readonly processors: ReadonlyMap<string, ComponentConfig<ProcessorFactory>>;
  readonly exporters: ReadonlyMap<string, ComponentConfig<ExporterFactory>>;
  readonly connectors: ReadonlyMap<string, ComponentConfig<ConnectorFactory>>;
  readonly pipelines: ReadonlyMap<string, PipelineConfig>;
  /** Declared components no pipeline uses: allowed, as in otelcol, but worth a warning. */
  readonly warnings: readonly string[];
}

const SECTIONS = { receivers: 'receiver', processors: 'processor', exporters: 'exporter', connectors: 'connector' } as const;
const TOP_LEVEL = new Set([...Object.keys(SECTIONS), 'service', 'extensions']);
const SERVICE_KEYS = new Set(['pipelines', 'telemetry', 'extensions']);
const PIPELINE_KEYS = new Set(['receivers', 'processors', 'exporters']);
const ID = /^[a-z][a-z0-9_]*(\/[^\s/]+)?$/;

/** Validates a config source against the component registry; throws ConfigError with every issue. */
export function resolveConfig(source: ConfigSource, registry: Registry, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const raw = expandEnv(source.raw, env);
  const root = asMap(raw, '', issues) ?? {};

  for (const key of Object.keys(root)) {
    if (!TOP_LEVEL.has(key)) issues.push({ path: key, message: `unknown key (expected one of ${[...TOP_LEVEL].join(', ')})` });
  }
  const ext = root.extensions;
  if (ext !== undefined && ext !== null && Object.keys(ext as object).length > 0) {
    issues.push({ path: 'extensions', message: 'unitrack has no extensions; remove this section' });
  }

  const sections = {
    receivers: new Map(),
    processors: new Map(),
    exporters: new Map(),
    connectors: new Map(),
  } as Record<keyof typeof SECTIONS, Map<string, ComponentConfig>>;

  for (const [section, kind] of Object.entries(SECTIONS) as [keyof typeof SECTIONS, Kind][]) {
    const entries = root[section] === null ? {} : asMap(root[section] ?? {}, section, issues);
    for (const [id, value] of Object.entries(entries ?? {})) {
      const path = `${section}.${id}`;
      if (!ID.test(id)) {
        issues.push({ path, message: `"${id}" is not a component id (type or type/name)` });
        continue;
      }
      const type = id.split('/')[0];
      const factory = registry.find(kind, type);
      if (!factory) {
        issues.push({ path, message: `unknown ${kind} type "${type}" (known: ${registry.types(kind).join(', ')})` });
        continue;
      }
      const parsed = factory.config.safeParse(value ?? {});
      if (!parsed.success) {
        for (const issue of parsed.error.issues) issues.push({ path: joinPath(path, issue.path), message: issue.message });
        continue;
      }
      sections[section].set(id, { id, factory, config: parsed.data });
    }
  }

  const service = asMap(root.service ?? {}, 'service', issues) ?? {};
  for (const key of Object.keys(service)) {
    if (!SERVICE_KEYS.has(key)) issues.push({ path: `service.${key}`, message: 'unknown key (expected pipelines, telemetry)' });
  }
  const pipelines = new Map<string, PipelineConfig>();
  const rawPipelines = asMap(service.pipelines ?? {}, 'service.pipelines', issues) ?? {};
  if (Object.keys(rawPipelines).length === 0) issues.push({ path: 'service.pipelines', message: 'at least one pipeline is required' });

  const used = new Set<string>();
  for (const [pid, value] of Object.entries(rawPipelines)) {
    const path = `service.pipelines.${pid}`;
    const signal = pid.split('/')[0];
    if (signal !== 'logs') {
      issues.push({
        path,
        message: `unitrack runs logs pipelines only; "${signal}" data reaches them through the otlp receiver (span events with exceptions become records)`,
      });
      continue;
    }
    const p = asMap(value ?? {}, path, issues) ?? {};
    for (const key of Object.keys(p)) {
      if (!PIPELINE_KEYS.has(key))
        issues.push({ path: `${path}.${key}`, message: 'unknown key (expected receivers, processors, exporters)' });
    }
    const list = (key: string): string[] => {
      const v = p[key] ?? [];
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
        issues.push({ path: `${path}.${key}`, message: 'must be a list of component ids' });
        return [];
      }
      return v as string[];
    };
    const receivers = list('receivers');
    const processors = list('processors');
    const exporters = list('exporters');
    if (receivers.length === 0) issues.push({ path: `${path}.receivers`, message: 'a pipeline needs at least one receiver' });
    if (exporters.length === 0) issues.push({ path: `${path}.exporters`, message: 'a pipeline needs at least one exporter' });
    receivers.forEach((id, i) => {
      used.add(id);
      if (!sections.receivers.has(id) && !sections.connectors.has(id))
        issues.push({ path: `${path}.receivers[${i}]`, message: `"${id}" is not declared under receivers or connectors` });
    });
    processors.forEach((id, i) => {
      used.add(id);
      if (!sections.processors.has(id))
        issues.push({ path: `${path}.processors[${i}]`, message: `"${id}" is not declared under processors` });
      if (processors.indexOf(id) !== i) issues.push({ path: `${path}.processors[${i}]`, message: `"${id}" appears twice in one pipeline` });
    });
    exporters.forEach((id, i) => {
      used.add(id);
      if (!sections.exporters.has(id) && !sections.connectors.has(id))
        issues.push({ path: `${path}.exporters[${i}]`, message: `"${id}" is not declared under exporters or connectors` });
    });
    pipelines.set(pid, { id: pid, receivers, processors, exporters });
  }

  // Connectors: used on both sides, sending only to pipelines that list them, and no cycles.
  for (const [cid, c] of sections.connectors as Map<string, ComponentConfig<ConnectorFactory>>) {
    const asExporter = [...pipelines.values()].filter((p) => p.exporters.includes(cid));
    const asReceiver = [...pipelines.values()].filter((p) => p.receivers.includes(cid));
    if (used.has(cid) && (asExporter.length === 0 || asReceiver.length === 0)) {
      issues.push({ path: `connectors.${cid}`, message: 'a connector must be an exporter of one pipeline and a receiver of another' });
    }
    for (const target of c.factory.targets(c.config)) {
      const p = pipelines.get(target);
      if (!p) issues.push({ path: `connectors.${cid}`, message: `routes to pipeline "${target}", which is not declared` });
      else if (!p.receivers.includes(cid))
        issues.push({
          path: `connectors.${cid}`,
          message: `routes to pipeline "${target}", which does not list "${cid}" among its receivers`,
        });
    }
  }
  const cycle = findCycle(pipelines, sections.connectors);
  if (cycle) issues.push({ path: 'service.pipelines', message: `pipelines form a cycle: ${cycle.join(' → ')}` });

  for (const section of Object.keys(SECTIONS) as (keyof typeof SECTIONS)[]) {
    for (const id of sections[section].keys()) if (!used.has(id)) warnings.push(`${section}.${id} is declared but no pipeline uses it`);
  }

  if (issues.length) {
    for (const issue of issues) issue.location ??= source.locate(issue.path);
    throw new ConfigError(issues);
  }
  return {
    receivers: sections.receivers as Map<string, ComponentConfig<ReceiverFactory>>,
    processors: sections.processors as Map<string, ComponentConfig<ProcessorFactory>>,
    exporters: sections.exporters as Map<string, ComponentConfig<ExporterFactory>>,
    connectors: sections.connectors as Map<string, ComponentConfig<ConnectorFactory>>,
    pipelines,
    warnings,
  };
}

function asMap(value: unknown, path: string, issues: ConfigIssue[]): Record<string, unknown> | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  issues.push({ path, message: 'must be a map' });
  return undefined;
}

/** Pipeline → connector → pipeline edges; returns one cycle as a list of pipeline ids. */
function findCycle(pipelines: ReadonlyMap<string, PipelineConfig>, connectors: ReadonlyMap<string, ComponentConfig>): string[] | undefined {
  const next = (pid: string): string[] => {
    const out: string[] = [];
    for (const ex of pipelines.get(pid)?.exporters ?? []) {
      if (!connectors.has(ex)) continue;
      for (const p of pipelines.values()) if (p.receivers.includes(ex)) out.push(p.id);
    }
    return out;
  };
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (pid: string): string[] | undefined => {
    state.set(pid, 1);
    stack.push(pid);
    for (const n of next(pid)) {
      if (state.get(n) === 1) return [...stack.slice(stack.indexOf(n)), n];
      if (!state.has(n)) {
        const c = visit(n);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(pid, 2);
    return undefined;
  };
  for (const pid of pipelines.keys()) {
    if (!state.has(pid)) {
      const c = visit(pid);
      if (c) return c;
    }
  }
  return undefined;
}
