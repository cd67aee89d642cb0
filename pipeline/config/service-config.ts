import type { z } from 'zod';
import type { AnyFactory, ConnectorFactory, ExporterFactory, Kind, ProcessorFactory, ReceiverFactory } from '../component.ts';
import { type PipelineConfig, PipelineGraph } from '../graph.ts';
import type { Registry } from '../registry.ts';
import { ConfigError, type ConfigIssue, joinPath } from './config-error.ts';
import { didYouMean, nearest } from './did-you-mean.ts';
import { expandEnv, type UnsetVariable } from './expand-env.ts';
import { type SendingQueue, sendingQueueConfig } from './sending-queue.ts';
import type { ConfigSource } from './source.ts';

export interface ComponentConfig<F extends AnyFactory = AnyFactory> {
  readonly id: string;
  readonly factory: F;
  readonly config: z.output<F['config']>;
}

export type { PipelineConfig };

/** An exporter's config, with the queue the engine puts in front of it. */
export interface ExporterConfig extends ComponentConfig<ExporterFactory> {
  readonly sendingQueue: SendingQueue;
}

/** A validated config: every component resolved to its factory, every pipeline checked. */
export interface ServiceConfig {
  readonly receivers: ReadonlyMap<string, ComponentConfig<ReceiverFactory>>;
  readonly processors: ReadonlyMap<string, ComponentConfig<ProcessorFactory>>;
  readonly exporters: ReadonlyMap<string, ExporterConfig>;
  readonly connectors: ReadonlyMap<string, ComponentConfig<ConnectorFactory>>;
  readonly pipelines: ReadonlyMap<string, PipelineConfig>;
  /** The edges between pipelines (through connectors). */
  readonly graph: PipelineGraph;
  /** Declared components no pipeline uses: allowed, as in otelcol, but worth a warning. */
  readonly warnings: readonly string[];
}

const SECTIONS = { receivers: 'receiver', processors: 'processor', exporters: 'exporter', connectors: 'connector' } as const;
type Section = keyof typeof SECTIONS;
const TOP_LEVEL = [...Object.keys(SECTIONS), 'service', 'extensions'];
const SERVICE_KEYS = ['pipelines', 'telemetry', 'extensions'];
const PIPELINE_KEYS = ['receivers', 'processors', 'exporters'];
const ID = /^[a-z][a-z0-9_]*(\/[^\s/]+)?$/;

/**
 * Validates a config source against the component registry; throws ConfigError with every issue.
 *
 * One mistake gives one error: a component that is declared but invalid is reported where it is
 * declared, not again by the pipelines that list it, and a misspelt section or pipeline key is
 * read as the key it was meant to be, so what it holds is still checked and still counts.
 */
export function resolveConfig(source: ConfigSource, registry: Registry, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const unset: UnsetVariable[] = [];
  const root = asMap(expandEnv(source.raw, env, unset), '', issues) ?? {};

  const sectionsRaw = readKeys(root, '', TOP_LEVEL, issues);
  const ext = sectionsRaw.get('extensions');
  if (ext?.value !== undefined && ext.value !== null && Object.keys(ext.value as object).length > 0) {
    issues.push({ path: ext.path, message: 'unitrack has no extensions; remove this section' });
  }

  const exporters = new Map<string, ExporterConfig>();
  const sections = {
    receivers: new Map(),
    processors: new Map(),
    exporters,
    connectors: new Map(),
  } as Record<Section, Map<string, ComponentConfig>>;
  // Every id declared, valid or not; a section that is not a map declares whatever it is listed for.
  const declared = { receivers: new Set(), processors: new Set(), exporters: new Set(), connectors: new Set() } as Record<
    Section,
    Set<string>
  >;
  const unreadable = new Set<Section>();

  for (const [section, kind] of Object.entries(SECTIONS) as [Section, Kind][]) {
    const { value: sectionValue, path: sectionPath } = sectionsRaw.get(section) ?? { value: undefined, path: section };
    const entries = sectionValue === null || sectionValue === undefined ? {} : asMap(sectionValue, sectionPath, issues);
    if (!entries) unreadable.add(section);
    for (const [id, value] of Object.entries(entries ?? {})) {
      declared[section].add(id);
      const path = `${sectionPath}.${id}`;
      if (!ID.test(id)) {
        issues.push({ path, message: `"${id}" is not a component id (type or type/name)` });
        continue;
      }
      const type = id.split('/')[0];
      const factory = registry.find(kind, type);
      if (!factory) {
        const known = registry.types(kind);
        issues.push({ path, message: `unknown ${kind} type "${type}"${didYouMean(type, known) || ` (known: ${known.join(', ')})`}` });
        continue;
      }
      if (factory.kind === 'exporter') {
        // Every exporter has a sending_queue, read here by the engine with one schema.
        const { sending_queue, ...own } = isMap(value) ? value : { sending_queue: undefined };
        const config = parseComponent(factory.config, isMap(value) ? own : value, path, issues, ['sending_queue']);
        const queue = parseComponent(sendingQueueConfig(factory.sendingQueue), sending_queue, `${path}.sending_queue`, issues);
        if (config !== undefined && queue !== undefined) exporters.set(id, { id, factory, config, sendingQueue: queue });
        continue;
      }
      const config = parseComponent(factory.config, value, path, issues);
      if (config !== undefined) sections[section].set(id, { id, factory, config });
    }
  }

  const serviceEntry = sectionsRaw.get('service');
  const service = asMap(serviceEntry?.value ?? {}, serviceEntry?.path ?? 'service', issues) ?? {};
  const serviceRaw = readKeys(service, serviceEntry?.path ?? 'service', SERVICE_KEYS, issues);
  const pipelinesEntry = serviceRaw.get('pipelines') ?? { value: undefined, path: 'service.pipelines' };
  const pipelines = new Map<string, PipelineConfig>();
  const rawPipelines = asMap(pipelinesEntry.value ?? {}, pipelinesEntry.path, issues);
  if (rawPipelines && Object.keys(rawPipelines).length === 0)
    issues.push({ path: pipelinesEntry.path, message: 'at least one pipeline is required' });
  // Pipelines declared but not taken (their own error is reported): connectors routing to them say nothing more.
  const unresolved = new Set<string>();

  const used = new Set<string>();
  for (const [pid, value] of Object.entries(rawPipelines ?? {})) {
    const path = `${pipelinesEntry.path}.${pid}`;
    const signal = pid.split('/')[0];
    if (signal !== 'logs') {
      issues.push({
        path,
        message: `unitrack runs logs pipelines only; "${signal}" data reaches them through the otlp receiver (span events with exceptions become records)`,
      });
      unresolved.add(pid);
      continue;
    }
    const p = asMap(value ?? {}, path, issues);
    if (!p) {
      unresolved.add(pid);
      continue;
    }
    const keys = readKeys(p, path, PIPELINE_KEYS, issues);
    const list = (key: string): string[] | undefined => {
      const entry = keys.get(key);
      const v = entry?.value ?? [];
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
        issues.push({ path: entry?.path ?? `${path}.${key}`, message: 'must be a list of component ids' });
        return undefined;
      }
      return v as string[];
    };
    const at = (key: string) => keys.get(key)?.path ?? `${path}.${key}`;
    const receivers = list('receivers');
    const processors = list('processors');
    const exporters = list('exporters');
    if (receivers?.length === 0) issues.push({ path: at('receivers'), message: 'a pipeline needs at least one receiver' });
    if (exporters?.length === 0) issues.push({ path: at('exporters'), message: 'a pipeline needs at least one exporter' });
    const reference = (key: string, ids: readonly string[] | undefined, within: Section[]) => {
      ids?.forEach((id, i) => {
        used.add(id);
        if (within.some((s) => declared[s].has(id) || unreadable.has(s))) return;
        const meant = nearest(
          id,
          within.flatMap((s) => [...declared[s]]),
        );
        // What was meant is used: no "declared but unused" warning on top of this error.
        if (meant !== undefined) used.add(meant);
        issues.push({
          path: `${at(key)}[${i}]`,
          message: `"${id}" is not declared under ${within.join(' or ')}${meant === undefined ? '' : ` (did you mean "${meant}"?)`}`,
        });
      });
    };
    reference('receivers', receivers, ['receivers', 'connectors']);
    reference('processors', processors, ['processors']);
    reference('exporters', exporters, ['exporters', 'connectors']);
    processors?.forEach((id, i) => {
      if (processors.indexOf(id) !== i)
        issues.push({ path: `${at('processors')}[${i}]`, message: `"${id}" appears twice in one pipeline` });
    });
    if (!receivers || !processors || !exporters) unresolved.add(pid);
    pipelines.set(pid, { id: pid, receivers: receivers ?? [], processors: processors ?? [], exporters: exporters ?? [] });
  }

  // Connectors: used on both sides, sending only to pipelines that list them, and no cycles.
  // A pipeline that could not be read may be the missing side: it has its own error.
  const complete = unresolved.size === 0 && rawPipelines !== undefined;
  const graph = new PipelineGraph(pipelines, sections.connectors.keys());
  for (const [cid, c] of sections.connectors as Map<string, ComponentConfig<ConnectorFactory>>) {
    const asExporter = graph.exporting(cid);
    const asReceiver = graph.receiving(cid);
    if (complete && used.has(cid) && (asExporter.length === 0 || asReceiver.length === 0)) {
      issues.push({ path: `connectors.${cid}`, message: 'a connector must be an exporter of one pipeline and a receiver of another' });
    }
    for (const target of c.factory.targets(c.config)) {
      if (unresolved.has(target) || !rawPipelines) continue;
      const p = pipelines.get(target);
      if (!p)
        issues.push({
          path: `connectors.${cid}`,
          message: `routes to pipeline "${target}", which is not declared${didYouMean(target, Object.keys(rawPipelines))}`,
        });
      else if (!p.receivers.includes(cid))
        issues.push({
          path: `connectors.${cid}`,
          message: `routes to pipeline "${target}", which does not list "${cid}" among its receivers`,
        });
    }
  }
  const cycle = graph.findCycle();
  if (cycle) issues.push({ path: pipelinesEntry.path, message: `pipelines form a cycle: ${cycle.join(' → ')}` });

  // An unset variable where a value is required is that value's error; elsewhere it is a warning.
  issues.forEach((issue, i) => {
    const names = unset.filter((u) => u.path === issue.path).map((u) => `\${env:${u.name}}`);
    if (names.length)
      issues[i] = {
        ...issue,
        message: `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} not set, and a value is required here: ${issue.message}`,
      };
  });
  for (const u of unset) {
    if (issues.some((i) => i.path === u.path)) continue;
    const location = source.locate(u.path);
    warnings.push(`${location ? `${location} ` : ''}${u.path}: \${env:${u.name}} is not set, so it expands to empty`);
  }
  for (const section of Object.keys(SECTIONS) as Section[]) {
    for (const id of sections[section].keys()) if (!used.has(id)) warnings.push(`${section}.${id} is declared but no pipeline uses it`);
  }

  if (issues.length) {
    for (const issue of issues) issue.location ??= source.locate(issue.path);
    throw new ConfigError(issues, warnings);
  }
  return {
    receivers: sections.receivers as Map<string, ComponentConfig<ReceiverFactory>>,
    processors: sections.processors as Map<string, ComponentConfig<ProcessorFactory>>,
    exporters,
    connectors: sections.connectors as Map<string, ComponentConfig<ConnectorFactory>>,
    pipelines,
    graph,
    warnings,
  };
}

/**
 * The keys of a map that are in `known`, each with its path. An unknown key is an error (with the
 * nearest known key); when that nearest key is absent, the misspelt key's value is read as it.
 */
function readKeys(
  map: Record<string, unknown>,
  base: string,
  known: readonly string[],
  issues: ConfigIssue[],
): Map<string, { value: unknown; path: string }> {
  const out = new Map<string, { value: unknown; path: string }>();
  for (const key of known) if (Object.hasOwn(map, key)) out.set(key, { value: map[key], path: joinPath(base, [key]) });
  for (const key of Object.keys(map)) {
    if (known.includes(key)) continue;
    const meant = nearest(key, known);
    issues.push({ path: joinPath(base, [key]), message: unrecognizedKey(key, known) });
    if (meant !== undefined && !out.has(meant)) out.set(meant, { value: map[key], path: joinPath(base, [key]) });
  }
  return out;
}

function unrecognizedKey(key: string, known: readonly string[]): string {
  const hint = didYouMean(key, known) || (known.length > 0 && known.length <= 12 ? ` (expected one of ${known.join(', ')})` : '');
  return `Unrecognized key "${key}"${hint}`;
}

/**
 * A component's config through its schema; each unknown key its own issue, with a suggestion
 * (among the schema's keys and `alsoKnown`, the keys read beside it).
 */
function parseComponent<S extends z.ZodType>(
  schema: S,
  value: unknown,
  path: string,
  issues: ConfigIssue[],
  alsoKnown: readonly string[] = [],
): z.output<S> | undefined {
  // Zod reports unknown keys by object; the keys that object knows are only at hand in the error map.
  const shapes = new Map<string, string[]>();
  const parsed = schema.safeParse(value ?? {}, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') {
        const shape = (iss.inst?._zod.def as { shape?: object } | undefined)?.shape;
        const at = iss.path ?? [];
        shapes.set(joinPath('', at), [...Object.keys(shape ?? {}), ...(at.length === 0 ? alsoKnown : [])]);
        return undefined;
      }
      if (iss.code === 'invalid_value' && typeof iss.input === 'string' && iss.values.every((v) => typeof v === 'string')) {
        const values = iss.values as string[];
        return `Invalid option "${iss.input}"${didYouMean(iss.input, values)}: expected one of ${values.map((v) => `"${v}"`).join(', ')}`;
      }
      return undefined;
    },
  });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = shapes.get(joinPath('', issue.path)) ?? [];
      for (const key of issue.keys) issues.push({ path: joinPath(path, [...issue.path, key]), message: unrecognizedKey(key, known) });
    } else issues.push({ path: joinPath(path, issue.path), message: issue.message });
  }
  return undefined;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asMap(value: unknown, path: string, issues: ConfigIssue[]): Record<string, unknown> | undefined {
  if (isMap(value)) return value;
  issues.push({ path, message: 'must be a map' });
  return undefined;
}
