import { LABEL_NAME_RE, METRIC_NAME, type Labels } from '../model/labels';
import { labelValue } from './matchers';

/** Byte-wise order of label names and keys, as Go compares strings. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const keyCache = new WeakMap<Labels, string>();

/**
 * Canonical identity of a label set; an empty value is the same as an absent label. Label
 * sets are never mutated once built, so the key is cached per object (series labels are
 * looked up many times per evaluation, e.g. at every subquery step).
 */
export function labelsKey(labels: Labels): string {
  const hit = keyCache.get(labels);
  if (hit !== undefined) return hit;
  const names = Object.keys(labels).sort(compareKeys);
  let key = '';
  for (const name of names) {
    const v = labels[name];
    if (v === undefined || v === '') continue;
    if (SEPARATORS.test(name) || SEPARATORS.test(v)) {
      key = quotedKey(labels, names);
      break;
    }
    key += `${name}\u0000${v}\u0001`;
  }
  keyCache.set(labels, key);
  return key;
}

const SEPARATORS = /[\u0000-\u0002]/;

/** The rare label set whose text holds a separator: JSON-quoted, marked so it cannot equal a plain key. */
function quotedKey(labels: Labels, names: readonly string[]): string {
  let key = '\u0002';
  for (const name of names) {
    const v = labels[name];
    if (v !== undefined && v !== '') key += `${JSON.stringify(name)}:${JSON.stringify(v)},`;
  }
  return key;
}

/** Prometheus' text form of a label set, for error messages: {__name__="up", job="api"}. */
export function formatLabelSet(labels: Labels): string {
  const parts = Object.keys(labels)
    .filter((k) => labels[k] !== '')
    .sort(compareKeys)
    .map((k) => `${LABEL_NAME_RE.test(k) ? k : JSON.stringify(k)}=${JSON.stringify(labels[k])}`);
  return `{${parts.join(', ')}}`;
}

/** A copy without empty values (Prometheus never stores a label with an empty value). */
export function cleanLabels(labels: Labels): Labels {
  const out: Labels = {};
  for (const k of Object.keys(labels)) {
    const v = labels[k];
    if (v !== undefined && v !== '') out[k] = v;
  }
  return out;
}

export function withoutLabels(labels: Labels, names: readonly string[]): Labels {
  const out: Labels = { ...labels };
  for (const n of names) delete out[n];
  return out;
}

export function onlyLabels(labels: Labels, names: readonly string[]): Labels {
  const out: Labels = {};
  for (const n of names) {
    const v = labelValue(labels, n);
    if (v !== undefined && v !== '') out[n] = v;
  }
  return out;
}

const withoutNameCache = new WeakMap<Labels, Labels>();

export function dropMetricName(labels: Labels): Labels {
  if (!Object.prototype.hasOwnProperty.call(labels, METRIC_NAME)) return labels;
  let out = withoutNameCache.get(labels);
  if (!out) {
    out = withoutLabels(labels, [METRIC_NAME]);
    withoutNameCache.set(labels, out);
  }
  return out;
}

/** Sets a label, or removes it when the value is empty (Prometheus' labels.Builder). */
export function setLabel(labels: Labels, name: string, value: string): Labels {
  const out: Labels = { ...labels };
  if (value === '') delete out[name];
  else out[name] = value;
  return out;
}

const projections = new WeakMap<Labels, Map<string, Labels>>();

/**
 * The labels an aggregation groups by (`by`/`on`: only `names`; `without`/`ignoring`: all but
 * `names`), cached per source label set and projection. Rules see the same series at every
 * evaluation, so the grouping labels (and with them their cached keys) are built once per
 * series instead of once per series per evaluation.
 */
export class LabelProjection {
  private readonly spec: string;

  constructor(
    private readonly names: readonly string[],
    /** True keeps only `names`; false drops them. */
    private readonly keep: boolean,
  ) {
    this.spec = `${keep ? '+' : '-'}${names.join('\u0000')}`;
  }

  apply(labels: Labels): Labels {
    let byLabels = projections.get(labels);
    if (byLabels === undefined) {
      byLabels = new Map();
      projections.set(labels, byLabels);
    }
    let out = byLabels.get(this.spec);
    if (out === undefined) {
      out = this.keep ? onlyLabels(labels, this.names) : withoutLabels(labels, this.names);
      byLabels.set(this.spec, out);
    }
    return out;
  }
}
