/** A label set; the metric name, where present, is the `__name__` label. */
export type Labels = Record<string, string>;

export const METRIC_NAME = '__name__';

/** Prometheus label-name and metric-name syntax. */
export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export function sortedEntries(labels: Labels): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Canonical text form, as Prometheus prints it: `name{a="1", b="2"}`. */
export function formatLabels(labels: Labels): string {
  const name = labels[METRIC_NAME] ?? '';
  const rest = sortedEntries(labels)
    .filter(([k]) => k !== METRIC_NAME)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  return `${name}{${rest}}`;
}

export function withoutName(labels: Labels): Labels {
  const { [METRIC_NAME]: _dropped, ...rest } = labels;
  return rest;
}

export function labelsEqual(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}
