// Instances of the fingerprint processor sharing one PostgreSQL store, in one process: each is its
// own service (its own host), as each collector of a fleet is.
import { resourceFromAttributes } from '@opentelemetry/resources';
import pg from 'pg';
import { ATTR_ALERT_DETAIL, ATTR_ALERT_REASON, ATTR_FINGERPRINT } from '../../../model/attributes.ts';
import type { GroupReader } from '../../../model/groups.ts';
import { GROUPS } from '../../../model/groups.ts';
import { PipelineRecord } from '../../../model/record.ts';
import { SEVERITY_NUMBER, SEVERITY_TEXT, type Severity } from '../../../model/severity.ts';
import { Telemetry } from '../../../model/telemetry.ts';
import type { Host } from '../../../pipeline/component.ts';
import { fingerprintConfig, fingerprintFactory } from '../../../processors/fingerprint/fingerprint-factory.ts';
import type { FingerprintProcessor } from '../../../processors/fingerprint/fingerprint-processor.ts';
import { Collect, testHost } from '../../processors/harness.ts';

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike'];

/** A distinct group body for each index (words: the normalizer keeps them). */
export function groupBody(i: number): string {
  return `checkout failed in ${WORDS[i % WORDS.length]} ${WORDS[Math.floor(i / WORDS.length) % WORDS.length]} stage`;
}

export function errorRecord(
  body: string,
  o: { user?: string; severity?: Severity; time?: number; version?: string; fingerprint?: string } = {},
): PipelineRecord {
  const severity = o.severity ?? 'high';
  const time = o.time ?? Date.now();
  return new PipelineRecord({
    hrTime: [Math.floor(time / 1000), (time % 1000) * 1e6],
    resource: resourceFromAttributes({ 'service.name': 'checkout', ...(o.version ? { 'service.version': o.version } : {}) }),
    instrumentationScope: { name: 't' },
    severityNumber: SEVERITY_NUMBER[severity],
    severityText: SEVERITY_TEXT[severity],
    body,
    attributes: { ...(o.user ? { 'user.id': o.user } : {}), ...(o.fingerprint ? { [ATTR_FINGERPRINT]: o.fingerprint } : {}) },
  });
}

export interface Instance {
  host: Host;
  telemetry: Telemetry;
  processor: FingerprintProcessor & { start(): Promise<void> };
  out: Collect;
  groups: GroupReader;
  /** Each record sent on, with its alert (reason, and detail for thresholds) or ''. */
  alerts(): { fingerprint: string; alert: string }[];
  stop(): Promise<void>;
}

export async function startInstance(
  url: string,
  alerts: Record<string, unknown> = {},
  store: Record<string, unknown> = {},
): Promise<Instance> {
  const telemetry = new Telemetry();
  const host = testHost(telemetry);
  const out = new Collect();
  const config = fingerprintConfig.parse({ store: { url, flush_interval: '50ms', ...store }, alerts });
  const processor = fingerprintFactory.create({ id: 'fingerprint', config, host }, out) as FingerprintProcessor & {
    start(): Promise<void>;
  };
  await processor.start();
  let stopped = false;
  return {
    host,
    telemetry,
    processor,
    out,
    groups: host.shared.get(GROUPS) as GroupReader,
    alerts: () =>
      out.records.map((r) => {
        const reason = r.attributes[ATTR_ALERT_REASON];
        const detail = r.attributes[ATTR_ALERT_DETAIL];
        return {
          fingerprint: String(r.attributes[ATTR_FINGERPRINT]),
          alert: reason === undefined ? '' : reason === 'threshold' ? `threshold:${detail}` : String(reason),
        };
      }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await processor.forceFlush();
      await processor.shutdown();
    },
  };
}

let databases = 0;

/** A fresh database on the cluster for one test; its URL. */
export async function freshDatabase(clusterUrl: string): Promise<string> {
  const name = `fleet_${process.pid}_${++databases}`;
  const client = new pg.Client(clusterUrl);
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return clusterUrl.replace(/\/[^/]*$/, `/${name}`);
}
