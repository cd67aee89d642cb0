import type {
  DashboardMetrics,
  GroupDetail,
  GroupEvent,
  GroupEventChoice,
  GroupFacets,
  GroupListOptions,
  GroupSummary,
  GroupTag,
  TrendPoint,
} from '../../model/groups.ts';

/** A store's query layer: answers at once (SQLite, group-queries.ts) or later (PostgreSQL, pg-queries.ts). */
export interface GroupQueryLayer {
  list(options: GroupListOptions, now: number): GroupSummary[] | Promise<GroupSummary[]>;
  get(fingerprint: string, now: number): GroupDetail | undefined | Promise<GroupDetail | undefined>;
  event(fingerprint: string, which: GroupEventChoice): GroupEvent | undefined | Promise<GroupEvent | undefined>;
  tags(fingerprint: string): GroupTag[] | undefined | Promise<GroupTag[] | undefined>;
  series(fingerprint: string, rangeMs: number, now: number): TrendPoint[] | Promise<TrendPoint[]>;
  facets(): GroupFacets | Promise<GroupFacets>;
  metrics(rangeMs: number, now: number): DashboardMetrics | Promise<DashboardMetrics>;
}

/** Every store's reads (GroupReader's): each first writes what is pending, so it sees every record counted before it. */
export abstract class FlushedReads {
  protected abstract readonly queries: GroupQueryLayer;
  abstract flushAsync(): Promise<void>;

  async list(options: GroupListOptions = {}, now = Date.now()): Promise<GroupSummary[]> {
    await this.flushAsync();
    return this.queries.list(options, now);
  }

  async get(fingerprint: string, now = Date.now()): Promise<GroupDetail | undefined> {
    await this.flushAsync();
    return this.queries.get(fingerprint, now);
  }

  async event(fingerprint: string, which: GroupEventChoice): Promise<GroupEvent | undefined> {
    await this.flushAsync();
    return this.queries.event(fingerprint, which);
  }

  async tags(fingerprint: string): Promise<GroupTag[] | undefined> {
    await this.flushAsync();
    return this.queries.tags(fingerprint);
  }

  async series(fingerprint: string, rangeMs: number, now = Date.now()): Promise<TrendPoint[]> {
    await this.flushAsync();
    return this.queries.series(fingerprint, rangeMs, now);
  }

  async facets(): Promise<GroupFacets> {
    await this.flushAsync();
    return this.queries.facets();
  }

  /** Dashboard metrics over the last `rangeMs`. */
  async metrics(rangeMs: number, now = Date.now()): Promise<DashboardMetrics> {
    await this.flushAsync();
    return this.queries.metrics(rangeMs, now);
  }
}
