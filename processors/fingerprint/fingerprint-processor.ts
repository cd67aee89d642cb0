import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import * as A from '../../model/attributes.ts';
import { eventJsonText } from '../../model/event-json.ts';
import { bodyText, recordTimeMs } from '../../model/record.ts';
import { SEVERITIES, type Severity, severityOf } from '../../model/severity.ts';
import type { Counter, Telemetry } from '../../model/telemetry.ts';
import type { AlertDecision, AlertPolicy } from './alert-policy.ts';
import { computeFingerprint, customFingerprint } from './fingerprint.ts';
import type { Group, Observation } from './group-store.ts';
import type { MessageNormalizer } from './message-normalizer.ts';
import type { FleetStore, ProcessorStore } from './processor-store.ts';
import { topInAppFrame } from './stack-frame.ts';

const HEX_KEY = /^[0-9a-f]{16,64}$/;
const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = 'deployment.environment.name';
const ATTR_DEPLOYMENT_ENVIRONMENT = 'deployment.environment';
const MAX_TITLE = 200;
/** Built-in reasons a fleet's threshold claim takes precedence over (they come after `threshold` in the policy's order). */
const BELOW_THRESHOLD = new Set(['window', 'users', 'severity']);

/** The fleet's part of the processor: what it claims, and how many records it may hold while claims are answered. */
export interface FleetOptions {
  store: FleetStore;
  /** The alert thresholds (the policy is given none: the store's claims decide them). */
  thresholds: readonly number[];
  minSeverity?: Severity;
  /** Records held at most; past it a record passes at once, without an alert that would need a claim (counted). */
  maxHeld: number;
}

/** A record on its way through: what the store is told of it, and what was decided. */
interface Pending {
  record: ReadWriteLogRecord;
  observation: Observation;
  regressionVersion: string | undefined;
  /** Decided: counted in its group, its alert (if any) known or claimed. */
  decided: boolean;
  /** A claim is out for its alert. */
  claiming: boolean;
  group?: Group;
  decision?: AlertDecision;
}

/**
 * Groups records by fingerprint: writes `unitrack.fingerprint` and `unitrack.group.count`, counts
 * the group in the store, and marks the record that raises an alert with the reason and the
 * group summary. Works on any log record, from track() or from OTLP.
 *
 * With a store shared by a fleet (PostgreSQL), a record whose group this instance does not hold
 * yet, or whose alert must be raised once across the fleet (new group, threshold, regression,
 * escalation), is held until the database answers; the records after it wait behind it, so the
 * order is kept. The hold is bounded (`maxHeld`), and forceFlush and shutdown wait for it.
 */
export class FingerprintProcessor implements LogRecordProcessor {
  readonly #next: LogRecordProcessor;
  readonly #store: ProcessorStore;
  readonly #normalizer: MessageNormalizer;
  readonly #policy: AlertPolicy;
  readonly #telemetry: Telemetry;
  readonly #alerts = new Map<string, Counter>();
  readonly #release: () => void | Promise<void>;
  readonly #fleet: FleetOptions | undefined;
  /** Records held, in arrival order (fleet only). */
  #held: Pending[] = [];
  /** Index in #held of the oldest record still held (the front is dropped in chunks, not per record). */
  #head = 0;
  /** Held records not decided yet, by fingerprint, in arrival order (their group is loading). */
  readonly #undecided = new Map<string, Pending[]>();
  #drained: { promise: Promise<void>; resolve: () => void } | undefined;
  readonly #holdFull: Counter | undefined;
  readonly #claimsLost: Counter | undefined;

  constructor(
    next: LogRecordProcessor,
    options: {
      store: ProcessorStore;
      normalizer: MessageNormalizer;
      policy: AlertPolicy;
      telemetry: Telemetry;
      release: () => void | Promise<void>;
      fleet?: FleetOptions;
    },
  ) {
    this.#next = next;
    this.#store = options.store;
    this.#normalizer = options.normalizer;
    this.#policy = options.policy;
    this.#telemetry = options.telemetry;
    this.#release = options.release;
    this.#fleet = options.fleet;
    if (this.#fleet) {
      this.#holdFull = this.#telemetry.counter(
        'unitrack_fingerprint_hold_full_total',
        'Records passed at once because the hold for fleet claims was full: counted, but without an alert that needed a claim.',
      );
      this.#claimsLost = this.#telemetry.counter(
        'unitrack_fingerprint_claims_lost_total',
        'Alerts another instance raised first (or the shared store could not settle): the record passed without it.',
      );
    }
  }

  /** Records held for fleet claims (admission counts them as on their way). */
  holds(): number {
    return this.#held.length - this.#head;
  }

  onEmit(record: ReadWriteLogRecord): void {
    const started = performance.now();
    const p = this.#prepare(record);
    const fleet = this.#fleet;
    if (!fleet) {
      this.#decide(p);
      this.#store.processingNs += (performance.now() - started) * 1e6;
      this.#finish(p);
      return;
    }
    const fp = p.observation.fingerprint;
    const waiting = this.#undecided.get(fp);
    if (this.holds() >= fleet.maxHeld) {
      // The hold is full: this record passes at once, ahead of the held ones, without an alert that needs a claim.
      this.#holdFull?.add();
      this.#decide(p, true);
      this.#finish(p);
    } else if (waiting || !fleet.store.isLoaded(fp)) {
      this.#held.push(p);
      if (waiting) waiting.push(p);
      else {
        this.#undecided.set(fp, [p]);
        fleet.store.load(p.observation).then(() => this.#loaded(fp));
      }
    } else {
      this.#decide(p);
      if (p.claiming || this.holds() > 0) this.#held.push(p);
      else this.#finish(p);
    }
    this.#store.processingNs += (performance.now() - started) * 1e6;
  }

  /** Reads what the store and the policy need from the record, and gives it its fingerprint. */
  #prepare(record: ReadWriteLogRecord): Pending {
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
    record.setAttribute(A.ATTR_FINGERPRINT, fingerprint);

    const severity = severityOf(record);
    const user = typeof a[A.ATTR_USER_ID] === 'string' ? (a[A.ATTR_USER_ID] as string) : undefined;
    const resource = record.resource?.attributes;
    const version = stringOf(resource?.[A.ATTR_SERVICE_VERSION]);
    const title = (type ? `${type}: ${normalized}` : normalized).slice(0, MAX_TITLE) || '(no message)';
    const observation: Observation = {
      fingerprint,
      title,
      type,
      message: message.slice(0, 1000),
      component,
      category: typeof a[A.ATTR_CATEGORY] === 'string' ? (a[A.ATTR_CATEGORY] as string) : undefined,
      severity,
      isError: type !== undefined || severity === 'high' || severity === 'critical',
      user,
      version,
      service: stringOf(resource?.[A.ATTR_SERVICE_NAME]),
      environment: stringOf(resource?.[ATTR_DEPLOYMENT_ENVIRONMENT_NAME]) ?? stringOf(resource?.[ATTR_DEPLOYMENT_ENVIRONMENT]),
      time: recordTimeMs(record),
      event: () => eventJsonText(record),
    };
    return { record, observation, regressionVersion: version, decided: false, claiming: false };
  }

  /**
   * Counts the record into its group and decides its alert. In a fleet, an alert that must be
   * raised once is claimed (`claiming` until the database answers); `noWait` (the hold is full)
   * gives such an alert up instead.
   */
  #decide(p: Pending, noWait = false): void {
    const o = p.observation;
    const { record } = p;
    const before = this.#store.peek(o.fingerprint);
    const regressed = this.#policy.isRegression(before, p.regressionVersion);
    if (regressed) this.#store.reopen(o.fingerprint, o.time);
    record.setAttribute(A.ATTR_GROUP_COUNT, (before?.count ?? 0) + 1);
    const { group, isNew, escalated } = this.#store.observe(o);
    let decision = this.#policy.decide(group, {
      record,
      isNew,
      regressed,
      escalated,
      isError: o.isError,
      severity: o.severity,
      user: o.user,
      time: o.time,
    });
    p.decided = true;
    p.group = group;
    const fleet = this.#fleet;
    let claim: Promise<boolean> | undefined;
    if (fleet) {
      if (decision?.reason === 'regression' || decision?.reason === 'escalating')
        claim = fleet.store.statusClaim(group) ?? Promise.resolve(false);
      else if (!noWait && (!decision || BELOW_THRESHOLD.has(decision.reason))) {
        // (With the hold full no threshold is claimed: it stays due for a later record.)
        const floor = fleet.minSeverity === undefined || SEVERITIES.indexOf(o.severity) >= SEVERITIES.indexOf(fleet.minSeverity);
        const t = floor && group.status !== 'ignored' ? fleet.store.thresholdDue(group, fleet.thresholds) : undefined;
        if (t !== undefined) {
          decision = { reason: 'threshold', detail: String(t) };
          claim = fleet.store.claimThreshold(group, t);
        }
      }
    }
    p.decision = decision;
    if (!claim) return;
    if (noWait) {
      p.decision = undefined;
      this.#claimsLost?.add();
      return;
    }
    p.claiming = true;
    claim.then((won) => {
      p.claiming = false;
      if (!won) {
        p.decision = undefined;
        this.#claimsLost?.add();
      }
      this.#pass();
    });
  }

  /** The group is held here now: its records waiting for it are decided, in order. */
  #loaded(fingerprint: string): void {
    const waiting = this.#undecided.get(fingerprint);
    this.#undecided.delete(fingerprint);
    if (waiting) for (const p of waiting) if (!p.decided) this.#decide(p);
    this.#pass();
  }

  /** Sends on the held records from the front, up to the first still waiting. */
  #pass(): void {
    const held = this.#held;
    while (this.#head < held.length && held[this.#head].decided && !held[this.#head].claiming) {
      const p = held[this.#head];
      this.#head++;
      this.#finish(p);
    }
    if (this.#head === held.length) {
      this.#held = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > held.length) {
      this.#held = held.slice(this.#head);
      this.#head = 0;
    }
    if (this.holds() === 0 && this.#drained) {
      this.#drained.resolve();
      this.#drained = undefined;
    }
  }

  /** Marks the record with its alert, if it raised one, and sends it on. */
  #finish(p: Pending): void {
    const { record, decision, group } = p;
    if (decision && group) {
      record.setAttribute(A.ATTR_ALERT_REASON, decision.reason);
      if (decision.detail) record.setAttribute(A.ATTR_ALERT_DETAIL, decision.detail);
      if (decision.rule !== undefined) record.setAttribute(A.ATTR_ALERT_RULE, decision.rule);
      record.setAttribute(A.ATTR_GROUP_TITLE, group.title);
      record.setAttribute(A.ATTR_GROUP_FIRST_SEEN, new Date(group.firstSeen).toISOString());
      record.setAttribute(A.ATTR_GROUP_LAST_SEEN, new Date(group.lastSeen).toISOString());
      if (group.users.count > 0) record.setAttribute(A.ATTR_GROUP_USERS, group.users.count);
      this.#store.alertsTriggered++;
      this.#store.recordAlert(group.fingerprint, p.observation.time, decision);
      const key = decision.rule === undefined ? decision.reason : `rule:${decision.rule}`;
      let c = this.#alerts.get(key);
      if (!c) {
        const labels: Record<string, string> = { reason: decision.reason };
        if (decision.rule !== undefined) labels.rule = decision.rule;
        this.#alerts.set(key, (c = this.#telemetry.counter('unitrack_alerts_total', 'Alerts raised, by reason (and rule).', labels)));
      }
      c.add();
    }
    this.#next.onEmit(record);
  }

  /** Resolves once no record is held. */
  #whenDrained(): Promise<void> {
    if (this.holds() === 0) return Promise.resolve();
    if (!this.#drained) {
      let resolve = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#drained = { promise, resolve };
    }
    return this.#drained.promise;
  }

  async forceFlush(): Promise<void> {
    await this.#whenDrained();
    // The store's commit (in its writer thread, or on the database) and the stages after this one flush together.
    const store = this.#fleet
      ? this.#store.flushAsync().catch(() => undefined) // counted by the store; its batch waits for the database
      : this.#store.flushAsync();
    await Promise.all([store, this.#next.forceFlush()]);
  }

  async shutdown(): Promise<void> {
    await this.#whenDrained();
    await this.#release();
  }
}

function stringOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
