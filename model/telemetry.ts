/**
 * The pipeline's own counters and gauges, rendered as Prometheus text on `/metrics`.
 * Components get handles once and bump them on the hot path: an increment is one addition.
 */
export type Labels = Readonly<Record<string, string>>;

export interface Counter {
  add(n?: number): void;
  readonly value: number;
}

interface Series {
  labels: Labels;
  value: number;
  read?: () => number;
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  series: Map<string, Series>;
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}

export class Telemetry {
  readonly #families = new Map<string, Family>();

  #series(name: string, help: string, type: Family['type'], labels: Labels): Series {
    let family = this.#families.get(name);
    if (!family) {
      family = { name, help, type, series: new Map() };
      this.#families.set(name, family);
    }
    const key = labelKey(labels);
    let series = family.series.get(key);
    if (!series) {
      series = { labels, value: 0 };
      family.series.set(key, series);
    }
    return series;
  }

  /** A monotonically increasing count. Names end in `_total` by convention. */
  counter(name: string, help: string, labels: Labels = {}): Counter {
    const series = this.#series(name, help, 'counter', labels);
    return {
      add(n = 1) {
        series.value += n;
      },
      get value() {
        return series.value;
      },
    };
  }

  /** A value read when metrics are rendered (queue depths, memory). */
  gauge(name: string, help: string, read: () => number, labels: Labels = {}): void {
    this.#series(name, help, 'gauge', labels).read = read;
  }

  /** The current value of one series, for tests and the dashboard. */
  value(name: string, labels: Labels = {}): number {
    const series = this.#families.get(name)?.series.get(labelKey(labels));
    if (!series) return 0;
    return series.read ? series.read() : series.value;
  }

  /** Every series of a family, for summing across labels. */
  sum(name: string): number {
    let total = 0;
    for (const s of this.#families.get(name)?.series.values() ?? []) total += s.read ? s.read() : s.value;
    return total;
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const out: string[] = [];
    for (const family of this.#families.values()) {
      out.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
      for (const [key, series] of family.series) {
        let value = series.value;
        if (series.read) {
          try {
            value = series.read();
          } catch {
            value = Number.NaN;
          }
        }
        out.push(`${family.name}${key ? `{${key}}` : ''} ${Number.isFinite(value) ? value : 'NaN'}`);
      }
    }
    return `${out.join('\n')}\n`;
  }

  /** Flat name{labels} → value map, for JSON consumers such as the dashboard. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const family of this.#families.values()) {
      for (const [key, series] of family.series) {
        out[key ? `${family.name}{${key}}` : family.name] = series.read ? series.read() : series.value;
      }
    }
    return out;
  }
}
