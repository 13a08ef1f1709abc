import type { Issue } from '../errors';
import { LABEL_NAME_RE, METRIC_NAME, METRIC_NAME_RE, type Labels } from '../model';
import { LIMIT_NAMES, type TenantLimits } from './schema';

export interface LabelProblem extends Issue {
  /** Set when a tenant limit (rather than the label syntax) was hit. */
  limit?: string;
}

/**
 * Checks one series' label set against Prometheus's syntax and the tenant's limits. Returns the
 * first problem, located by `path`, or undefined. Labels are already de-duplicated and free of
 * empty values (the decoders do that, as an empty value means "absent" in Prometheus).
 */
export function checkSeriesLabels(labels: Labels, limits: TenantLimits, path: string): LabelProblem | undefined {
  const name = labels[METRIC_NAME];
  if (name === undefined) return { path, message: 'series has no metric name (__name__ label)' };
  if (!validMetricNames.has(name)) {
    if (!METRIC_NAME_RE.test(name)) return { path, message: `invalid metric name ${JSON.stringify(clip(name))}: must match [a-zA-Z_:][a-zA-Z0-9_:]*` };
    validMetricNames.add(name);
  }
  let count = 0;
  for (const key in labels) {
    count++;
    const value = labels[key]!;
    if (key.length > limits.maxLabelNameLength) {
      return { path, limit: LIMIT_NAMES.labelName, message: `label name ${JSON.stringify(clip(key))} is longer than ${limits.maxLabelNameLength} characters (limit ${LIMIT_NAMES.labelName})` };
    }
    if (key !== METRIC_NAME && !validLabelNames.has(key)) {
      if (!LABEL_NAME_RE.test(key)) return { path, message: `invalid label name ${JSON.stringify(clip(key))}: must match [a-zA-Z_][a-zA-Z0-9_]*` };
      if (key.startsWith('__')) return { path, message: `label name ${JSON.stringify(clip(key))} is reserved (starts with "__")` };
      validLabelNames.add(key);
    }
    if (value.length > limits.maxLabelValueLength) {
      return { path, limit: LIMIT_NAMES.labelValue, message: `value of label ${JSON.stringify(clip(key))} is longer than ${limits.maxLabelValueLength} characters (limit ${LIMIT_NAMES.labelValue})` };
    }
  }
  if (count > limits.maxLabelNamesPerSeries) {
    return { path, limit: LIMIT_NAMES.labelCount, message: `series ${clip(name)} has ${count} labels, more than ${limits.maxLabelNamesPerSeries} (limit ${LIMIT_NAMES.labelCount})` };
  }
  return undefined;
}

/**
 * Names already seen to be valid syntax (lengths are still checked per tenant every time). The
 * same few label names and metric names come in every series of every request, and a set
 * lookup costs less than a regular expression test. Only short names are kept and the sets are
 * emptied when they get large, so a client sending endless or long distinct names cannot grow
 * them past a few megabytes.
 */
class ValidNames {
  private readonly names = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(name: string): boolean {
    return this.names.has(name);
  }
  add(name: string): void {
    if (name.length > MAX_REMEMBERED_NAME_LENGTH) return;
    if (this.names.size >= this.capacity) this.names.clear();
    this.names.add(name);
  }
}

const MAX_REMEMBERED_NAME_LENGTH = 128;
const validLabelNames = new ValidNames(10_000);
const validMetricNames = new ValidNames(20_000);

/** Long names are cut in messages: a rejection must not echo a megabyte back. */
function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}
