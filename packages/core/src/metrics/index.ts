/**
 * A small in-memory metrics registry: counters with labels, readable as samples or as the
 * Prometheus text format, and optionally reported as structured log lines. One registry per
 * process (`metrics`); tests make their own. Label values are what callers pass — never
 * secrets (receiver URLs and keys are not labels).
 */
import type { Logger } from '../ports/logger';

export type MetricLabels = Record<string, string>;

export interface CounterSample {
  name: string;
  labels: MetricLabels;
  value: number;
}

const keyOf = (labels: MetricLabels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');

export class Counter {
  private readonly values = new Map<string, { labels: MetricLabels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly registry: MetricsRegistry,
  ) {}

  inc(labels: MetricLabels = {}, by = 1): void {
    const key = keyOf(labels);
    const cur = this.values.get(key);
    if (cur) cur.value += by;
    else this.values.set(key, { labels: { ...labels }, value: by });
    this.registry.report(this.name, labels, by);
  }

  /** Current value for exactly these labels (0 when never incremented). */
  get(labels: MetricLabels = {}): number {
    return this.values.get(keyOf(labels))?.value ?? 0;
  }

  samples(): CounterSample[] {
    return [...this.values.values()].map((v) => ({ name: this.name, labels: { ...v.labels }, value: v.value }));
  }
}

export class MetricsRegistry {
  private readonly counters = new Map<string, Counter>();
  private logger: Logger | undefined;

  /** Counters are created once by name; asking again returns the same one. */
  counter(name: string, help: string): Counter {
    let c = this.counters.get(name);
    if (!c) this.counters.set(name, (c = new Counter(name, help, this)));
    return c;
  }

  /** Also emit every increment as a debug log line `{msg: "metric", metric, labels, by}`. */
  logTo(logger: Logger | undefined): void {
    this.logger = logger;
  }

  report(name: string, labels: MetricLabels, by: number): void {
    this.logger?.debug('metric', { metric: name, labels, by });
  }

  samples(): CounterSample[] {
    return [...this.counters.values()].flatMap((c) => c.samples());
  }

  /** The Prometheus text exposition format (counters only). */
  toPrometheusText(): string {
    const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
    const lines: string[] = [];
    for (const c of this.counters.values()) {
      lines.push(`# HELP ${c.name} ${c.help}`, `# TYPE ${c.name} counter`);
      for (const s of c.samples()) {
        const l = Object.keys(s.labels)
          .sort()
          .map((k) => `${k}="${esc(s.labels[k]!)}"`)
          .join(',');
        lines.push(`${c.name}${l ? `{${l}}` : ''} ${s.value}`);
      }
    }
    return lines.join('\n') + '\n';
  }
}

/** The process-wide registry. */
export const metrics = new MetricsRegistry();
