import { fingerprint, METRIC_NAME, type Labels } from '../../model';
import { STALE_NAN } from '../../promql/source';
import type { SeriesInput } from '../../limits';
import type { MetricMetadata } from '../metadata';
import { formatGoFloatF, labelName, metricFamilyName, unitWord, type OtlpKind } from './names';
import {
  int64ToNumber,
  int64ToString,
  nanosToMs,
  TEMPORALITY,
  type AnyValue,
  type ExportRequest,
  type KeyValue,
  type NumberDataPoint,
  type SummaryDataPoint,
} from './proto';

/** A delta point, turned into a cumulative sample by the accumulator (it needs stored state). */
export type DeltaPoint =
  | { kind: 'sum'; labels: Labels; t: number; value: number }
  | { kind: 'histogram'; labels: Labels; family: string; t: number; count: number; sum: number | undefined; bounds: number[]; buckets: number[] };

export interface Translation {
  series: SeriesInput[];
  deltas: DeltaPoint[];
  metadata: MetricMetadata[];
  rejected: number;
  /** Why points were rejected (first few reasons), for partial_success.error_message. */
  reasons: string[];
}

const FLAG_NO_RECORDED_VALUE = 1;
const IDENTIFYING = ['service.name', 'service.namespace', 'service.instance.id'];

/** AnyValue as a label value, as the OTLP receiver's AsString does. */
export function anyValueString(v: AnyValue | undefined): string {
  if (!v) return '';
  switch (v.value) {
    case 'stringValue':
      return v.stringValue ?? '';
    case 'boolValue':
      return String(v.boolValue);
    case 'intValue':
      return int64ToString(v.intValue);
    case 'doubleValue':
      return formatGoFloatF(v.doubleValue ?? 0);
    case 'bytesValue':
      return Buffer.from(v.bytesValue ?? []).toString('base64');
    case 'arrayValue':
      return JSON.stringify((v.arrayValue?.values ?? []).map(anyValueJson));
    case 'kvlistValue':
      return JSON.stringify(Object.fromEntries((v.kvlistValue?.values ?? []).map((kv) => [kv.key, anyValueJson(kv.value)])));
    default:
      return '';
  }
}

function anyValueJson(v: AnyValue | undefined): unknown {
  if (!v) return null;
  switch (v.value) {
    case 'boolValue':
      return v.boolValue;
    case 'intValue':
      return int64ToNumber(v.intValue);
    case 'doubleValue':
      return v.doubleValue;
    case 'stringValue':
      return v.stringValue;
    default:
      return anyValueString(v);
  }
}

/**
 * Attributes to labels: keys sanitised; keys that collide once sanitised are merged with their
 * values joined by ";" in key order (as Prometheus does); empty values and `__`-prefixed names
 * (reserved) are dropped.
 */
function attributeLabels(attributes: KeyValue[] | undefined, ignore: readonly string[] = [], overrides?: Labels): Labels {
  const out: Labels = {};
  if (attributes && attributes.length > 0) {
    const kept = ignore.length > 0 ? attributes.filter((a) => !ignore.includes(a.key)) : attributes.slice();
    const sorted = kept.length > 1 ? kept.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) : kept;
    for (const a of sorted) {
      const name = labelName(a.key);
      const value = anyValueString(a.value);
      if (name === '' || name.startsWith('__') || value === '') continue;
      out[name] = out[name] !== undefined ? `${out[name]};${value}` : value;
    }
  }
  // Written into the same object rather than spread into a new one: this runs once per data point.
  if (overrides) for (const name in overrides) out[name] = overrides[name]!;
  return out;
}

/** job and instance from the resource: service.namespace/service.name and service.instance.id. */
function resourceIdentity(attributes: KeyValue[] | undefined): Labels {
  const get = (key: string) => {
    const a = attributes?.find((kv) => kv.key === key);
    return a ? anyValueString(a.value) : undefined;
  };
  const out: Labels = {};
  const name = get('service.name');
  const namespace = get('service.namespace');
  const instance = get('service.instance.id');
  if (name) out.job = namespace ? `${namespace}/${name}` : name;
  if (instance) out.instance = instance;
  return out;
}

/**
 * Translates an OTLP export request into Prometheus series, the way Prometheus' OTLP receiver
 * does (see docs/INGEST.md): gauges and non-monotonic sums → gauges; monotonic sums → `_total`
 * counters; histograms → cumulative `_bucket{le}`, `_sum`, `_count`; summaries → `{quantile}`,
 * `_sum`, `_count`; other resource attributes → `target_info`. Delta sums and histograms come
 * back as DeltaPoints for the accumulator. Exponential histograms are rejected (counted).
 */
export function translate(request: ExportRequest): Translation {
  const bySeries = new Map<string, SeriesInput>();
  const out: Translation = { series: [], deltas: [], metadata: [], rejected: 0, reasons: [] };
  const reject = (n: number, reason: string) => {
    out.rejected += n;
    if (out.reasons.length < 5 && !out.reasons.includes(reason)) out.reasons.push(reason);
  };
  /** Adds a sample to the series of `labels`, which it takes over (the caller made it for this point). */
  const addOwned = (labels: Labels, t: number, v: number) => {
    // The series identity the store uses, so points that the store would merge are merged here.
    const key = fingerprint(labels);
    let s = bySeries.get(key);
    if (!s) bySeries.set(key, (s = { labels, samples: [] }));
    s.samples.push({ t, v });
  };
  const add = (family: string, suffix: string, base: Labels, extra: Labels | undefined, t: number, v: number) =>
    addOwned({ ...base, ...extra, [METRIC_NAME]: family + suffix }, t, v);

  for (const rm of request.resourceMetrics ?? []) {
    const resourceAttrs = rm.resource?.attributes;
    const identity = resourceIdentity(resourceAttrs);
    let latest = -Infinity;
    for (const sm of rm.scopeMetrics ?? []) {
      for (const metric of sm.metrics ?? []) {
        const name = metric.name ?? '';
        const unit = metric.unit ?? '';
        const base = (attrs: KeyValue[] | undefined): Labels => attributeLabels(attrs, [], identity);
        const meta = (family: string, type: string) => out.metadata.push({ metric: family, type, help: metric.description ?? '', unit: unitWord(unit) });

        if (metric.gauge || metric.sum) {
          const points: NumberDataPoint[] = (metric.gauge ?? metric.sum)?.dataPoints ?? [];
          const temporality = metric.sum?.aggregationTemporality ?? TEMPORALITY.cumulative;
          const monotonic = metric.sum?.isMonotonic === true;
          const kind: OtlpKind = metric.sum && monotonic ? 'counter' : 'gauge';
          const family = metricFamilyName(name, unit, kind);
          if (family === '') {
            reject(points.length, `metric ${JSON.stringify(name)} has no usable name`);
            continue;
          }
          if (metric.sum && temporality === TEMPORALITY.unspecified) {
            reject(points.length, `sum ${JSON.stringify(name)} has no aggregation temporality`);
            continue;
          }
          meta(family, kind);
          for (const p of points) {
            const t = nanosToMs(p.timeUnixNano);
            if (!Number.isFinite(t)) {
              reject(1, `metric ${JSON.stringify(name)}: invalid timestamp`);
              continue;
            }
            const stale = ((p.flags ?? 0) & FLAG_NO_RECORDED_VALUE) !== 0;
            const v = p.value === 'asInt' ? int64ToNumber(p.asInt) : p.value === 'asDouble' ? (p.asDouble ?? 0) : undefined;
            if (v === undefined && !stale) {
              reject(1, `metric ${JSON.stringify(name)}: data point without a value`);
              continue;
            }
            latest = Math.max(latest, t);
            if (metric.sum && temporality === TEMPORALITY.delta && !stale) {
              out.deltas.push({ kind: 'sum', labels: { ...base(p.attributes), [METRIC_NAME]: family }, t, value: v! });
            } else {
              const labels = base(p.attributes);
              labels[METRIC_NAME] = family;
              addOwned(labels, t, stale ? STALE_NAN : v!);
            }
          }
        } else if (metric.histogram) {
          const family = metricFamilyName(name, unit, 'histogram');
          const points = metric.histogram.dataPoints ?? [];
          const temporality = metric.histogram.aggregationTemporality ?? TEMPORALITY.unspecified;
          if (family === '' || temporality === TEMPORALITY.unspecified) {
            reject(points.length, family === '' ? `metric ${JSON.stringify(name)} has no usable name` : `histogram ${JSON.stringify(name)} has no aggregation temporality`);
            continue;
          }
          meta(family, 'histogram');
          for (const p of points) {
            const t = nanosToMs(p.timeUnixNano);
            const bounds = p.explicitBounds ?? [];
            const buckets = (p.bucketCounts ?? []).map(int64ToNumber);
            if (!Number.isFinite(t) || (buckets.length > 0 && buckets.length !== bounds.length + 1)) {
              reject(1, `histogram ${JSON.stringify(name)}: ${Number.isFinite(t) ? 'bucket counts do not match bounds' : 'invalid timestamp'}`);
              continue;
            }
            latest = Math.max(latest, t);
            const stale = ((p.flags ?? 0) & FLAG_NO_RECORDED_VALUE) !== 0;
            const sum = (p as { _sum?: string })._sum === 'sum' ? p.sum : undefined;
            const count = int64ToNumber(p.count);
            const labels = base(p.attributes);
            if (temporality === TEMPORALITY.delta && !stale) {
              out.deltas.push({ kind: 'histogram', labels, family, t, count, sum, bounds, buckets });
            } else addHistogram(add, family, labels, t, stale, count, sum, bounds, buckets);
          }
        } else if (metric.summary) {
          const family = metricFamilyName(name, unit, 'summary');
          const points: SummaryDataPoint[] = metric.summary.dataPoints ?? [];
          if (family === '') {
            reject(points.length, `metric ${JSON.stringify(name)} has no usable name`);
            continue;
          }
          meta(family, 'summary');
          for (const p of points) {
            const t = nanosToMs(p.timeUnixNano);
            if (!Number.isFinite(t)) {
              reject(1, `summary ${JSON.stringify(name)}: invalid timestamp`);
              continue;
            }
            latest = Math.max(latest, t);
            const stale = ((p.flags ?? 0) & FLAG_NO_RECORDED_VALUE) !== 0;
            const labels = base(p.attributes);
            add(family, '_sum', labels, undefined, t, stale ? STALE_NAN : (p.sum ?? 0));
            add(family, '_count', labels, undefined, t, stale ? STALE_NAN : int64ToNumber(p.count));
            for (const q of p.quantileValues ?? []) add(family, '', labels, { quantile: formatGoFloatF(q.quantile ?? 0) }, t, stale ? STALE_NAN : (q.value ?? 0));
          }
        } else if (metric.exponentialHistogram) {
          const n = metric.exponentialHistogram.dataPoints?.length ?? 0;
          reject(n, `exponential histogram ${JSON.stringify(name)}: not supported (use explicit bucket histograms)`);
        } else {
          reject(0, `metric ${JSON.stringify(name)} has no data`);
        }
      }
    }
    // target_info carries the resource attributes that did not become job/instance.
    const others = (resourceAttrs ?? []).filter((a) => !IDENTIFYING.includes(a.key));
    if (others.length > 0 && latest > -Infinity) {
      add('target_info', '', { ...attributeLabels(others), ...identity }, undefined, latest, 1);
    }
  }
  out.series = [...bySeries.values()];
  return out;
}

type Add = (family: string, suffix: string, base: Labels, extra: Labels | undefined, t: number, v: number) => void;

/** One histogram point as classic series: cumulative `_bucket{le}` (with `+Inf` = count), `_sum`, `_count`. */
export function addHistogram(add: Add, family: string, labels: Labels, t: number, stale: boolean, count: number, sum: number | undefined, bounds: number[], buckets: number[]): void {
  const val = (v: number) => (stale ? STALE_NAN : v);
  if (sum !== undefined) add(family, '_sum', labels, undefined, t, val(sum));
  add(family, '_count', labels, undefined, t, val(count));
  let cumulative = 0;
  for (let i = 0; i < bounds.length && i < buckets.length; i++) {
    cumulative += buckets[i]!;
    add(family, '_bucket', labels, { le: formatGoFloatF(bounds[i]!) }, t, val(cumulative));
  }
  add(family, '_bucket', labels, { le: '+Inf' }, t, val(count));
}
