/**
 * Grouping: which labels form an alert's group at a route, the group key Alertmanager uses for
 * aggregation groups, the notification log and webhook `groupKey`, and the order alerts appear
 * in a notification.
 */
import type { Labels } from '../../model/labels';
import { compareGoStrings, goQuote } from '../matchers';
import type { RouteOpts } from './route';

/** The alert's labels that the route groups by (all of them under `group_by: ['...']`). */
export function groupLabels(match: Pick<RouteOpts, 'groupBy' | 'groupByAll'>, alertLabels: Labels): Labels {
  const out: Labels = {};
  const wanted = new Set(match.groupBy);
  for (const [name, value] of Object.entries(alertLabels)) {
    if (match.groupByAll || wanted.has(name)) out[name] = value;
  }
  return out;
}

/** A label set as Go's model.LabelSet prints it: `{a="1", b="2"}`, names sorted, `%q` values. */
export function formatLabelSet(labels: Labels): string {
  const names = Object.keys(labels).sort(compareGoStrings);
  return `{${names.map((n) => `${n}=${goQuote(labels[n]!)}`).join(', ')}}`;
}

/** Alertmanager's group key: `<route key>:<group labels>`, e.g. `{}/{severity="page"}:{alertname="X"}`. */
export function groupKey(routeKey: string, labels: Labels): string {
  return `${routeKey}:${formatLabelSet(labels)}`;
}

/** model.LabelSet.Before: fewer labels first, then by the first differing name or value. */
function labelSetBefore(a: Labels, b: Labels): boolean {
  const na = Object.keys(a).length;
  const nb = Object.keys(b).length;
  if (na !== nb) return na < nb;
  const names = [...Object.keys(a), ...Object.keys(b)].sort(compareGoStrings);
  for (const n of names) {
    const va = a[n];
    const vb = b[n];
    if (va === undefined) return true;
    if (vb === undefined) return false;
    const c = compareGoStrings(va, vb);
    if (c !== 0) return c < 0;
  }
  return false;
}

/** Alertmanager's notification order: by `job`, then `instance` (missing last), then label set. */
export function compareAlertLabels(a: Labels, b: Labels): number {
  for (const key of ['job', 'instance']) {
    const va = a[key];
    const vb = b[key];
    if (va === undefined && vb === undefined) continue;
    if (va === undefined) return 1;
    if (vb === undefined) return -1;
    if (va !== vb) return compareGoStrings(va, vb);
  }
  if (labelSetBefore(a, b)) return -1;
  if (labelSetBefore(b, a)) return 1;
  return 0;
}

/** A sorted copy (stable), as a flushed aggregation group orders its alerts. */
export function sortAlertsForNotification<T extends { labels: Labels }>(alerts: ReadonlyArray<T>): T[] {
  return [...alerts].sort((x, y) => compareAlertLabels(x.labels, y.labels));
}
