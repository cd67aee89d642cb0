import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import * as A from '../../model/attributes.ts';
import { eventJsonText } from '../../model/event-json.ts';
import { bodyText, recordTimeMs } from '../../model/record.ts';
import { severityOf } from '../../model/severity.ts';
import type { Counter, Telemetry } from '../../model/telemetry.ts';
import type { AlertPolicy } from './alert-policy.ts';
import { computeFingerprint, customFingerprint } from './fingerprint.ts';
import type { GroupStore } from './group-store.ts';
import type { MessageNormalizer } from './message-normalizer.ts';
import { topInAppFrame } from './stack-frame.ts';

const HEX_KEY = /^[0-9a-f]{16,64}$/;
const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = 'deployment.environment.name';
const ATTR_DEPLOYMENT_ENVIRONMENT = 'deployment.environment';
const MAX_TITLE = 200;

/**
 * Groups records by fingerprint: writes `unitrack.fingerprint` and `unitrack.group.count`, counts
 * the group in the store, and marks the record that raises an alert with the reason and the
 * group summary. Works on any log record, from track() or from OTLP.
 */
export class FingerprintProcessor implements LogRecordProcessor {
  readonly #next: LogRecordProcessor;
  readonly #store: GroupStore;
  readonly #normalizer: MessageNormalizer;
  readonly #policy: AlertPolicy;
  readonly #telemetry: Telemetry;
  readonly #alerts = new Map<string, Counter>();
  readonly #release: () => void;

  constructor(
    next: LogRecordProcessor,
    options: {
      store: GroupStore;
      normalizer: MessageNormalizer;
      policy: AlertPolicy;
      telemetry: Telemetry;
      release: () => void;
    },
  ) {
    this.#next = next;
    this.#store = options.store;
    this.#normalizer = options.normalizer;
    this.#policy = options.policy;
    this.#telemetry = options.telemetry;
    this.#release = options.release;
  }

  onEmit(record: ReadWriteLogRecord): void {
    const started = performance.now();
    const a = record.attributes;
    const type = typeof a[A.ATTR_EXCEPTION_TYPE] === 'string' ? (a[A.ATTR_EXCEPTION_TYPE] as string) : undefined;
    const component = typeof a[A.ATTR_COMPONENT] === 'string' ? (a[A.ATTR_COMPONENT] as string) : undefined;
    const message =
      bodyText(record) ||
      (typeof a[A.ATTR_EXCEPTION_MESSAGE] === 'string' ? (a[A.ATTR_EXCEPTION_MESSAGE] as string) : '') ||
      record.eventName ||
      '';
    const normalized = this.#normalizer.normalize(message);
    const computed = () => {
      const stack = a[A.ATTR_EXCEPTION_STACKTRACE];
      return computeFingerprint({
        type,
        normalizedMessage: normalized,
        frame: typeof stack === 'string' ? topInAppFrame(stack) : undefined,
        component,
      });
    };
    const input = a[A.ATTR_FINGERPRINT_INPUT];
    const existing = a[A.ATTR_FINGERPRINT];
    let fingerprint: string;
    if (Array.isArray(input) && input.length > 0) fingerprint = customFingerprint(input.map(String), computed);
    else if (typeof existing === 'string' && HEX_KEY.test(existing))
      fingerprint = existing; // grouped upstream
    else fingerprint = computed();
    if (input !== undefined) record.setAttribute(A.ATTR_FINGERPRINT_INPUT, undefined);

    const severity = severityOf(record);
    const time = recordTimeMs(record);
    const user = typeof a[A.ATTR_USER_ID] === 'string' ? (a[A.ATTR_USER_ID] as string) : undefined;
    const resource = record.resource?.attributes;
    const version = stringOf(resource?.[A.ATTR_SERVICE_VERSION]);
    const isError = type !== undefined || severity === 'high' || severity === 'critical';

    const before = this.#store.peek(fingerprint);
    const regressed = this.#policy.isRegression(before, version);
    if (regressed) this.#store.reopen(fingerprint, time);
    record.setAttribute(A.ATTR_FINGERPRINT, fingerprint);
    record.setAttribute(A.ATTR_GROUP_COUNT, (before?.count ?? 0) + 1);
    const title = (type ? `${type}: ${normalized}` : normalized).slice(0, MAX_TITLE) || '(no message)';
    const { group, isNew, escalated } = this.#store.observe({
      fingerprint,
      title,
      type,
      message: message.slice(0, 1000),
      component,
      category: typeof a[A.ATTR_CATEGORY] === 'string' ? (a[A.ATTR_CATEGORY] as string) : undefined,
      severity,
      isError,
      user,
      version,
      service: stringOf(resource?.[A.ATTR_SERVICE_NAME]),
      environment: stringOf(resource?.[ATTR_DEPLOYMENT_ENVIRONMENT_NAME]) ?? stringOf(resource?.[ATTR_DEPLOYMENT_ENVIRONMENT]),
      time,
      event: () => eventJsonText(record),
    });
    const decision = this.#policy.decide(group, { record, isNew, regressed, escalated, isError, severity, user, time });
    if (decision) {
      record.setAttribute(A.ATTR_ALERT_REASON, decision.reason);
      if (decision.detail) record.setAttribute(A.ATTR_ALERT_DETAIL, decision.detail);
      if (decision.rule !== undefined) record.setAttribute(A.ATTR_ALERT_RULE, decision.rule);
      record.setAttribute(A.ATTR_GROUP_TITLE, group.title);
      record.setAttribute(A.ATTR_GROUP_FIRST_SEEN, new Date(group.firstSeen).toISOString());
      record.setAttribute(A.ATTR_GROUP_LAST_SEEN, new Date(group.lastSeen).toISOString());
      if (group.users.count > 0) record.setAttribute(A.ATTR_GROUP_USERS, group.users.count);
      this.#store.alertsTriggered++;
      this.#store.recordAlert(fingerprint, time, decision);
      const key = decision.rule === undefined ? decision.reason : `rule:${decision.rule}`;
      let c = this.#alerts.get(key);
      if (!c) {
        const labels: Record<string, string> = { reason: decision.reason };
        if (decision.rule !== undefined) labels.rule = decision.rule;
        this.#alerts.set(key, (c = this.#telemetry.counter('unitrack_alerts_total', 'Alerts raised, by reason (and rule).', labels)));
      }
      c.add();
    }
    this.#store.processingNs += (performance.now() - started) * 1e6;
    this.#next.onEmit(record);
  }

  async forceFlush(): Promise<void> {
    // The store's commit (in its writer thread) and the stages after this one flush together.
    await Promise.all([this.#store.flushAsync(), this.#next.forceFlush()]);
  }

  async shutdown(): Promise<void> {
    this.#release();
  }
}

function stringOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
