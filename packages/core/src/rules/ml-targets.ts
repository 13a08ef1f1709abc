import { children, parsePromQL, type Expr, type LabelMatcher } from '../promql';
import { extensionSource } from '../promql/extensions';
import type { RuleGroup } from './schema';

export { ANOMALY_SCORE_METRIC, DRIFT_SCORE_METRIC, FORECAST_METRIC, FORECAST_QUANTILES, formatHorizon, ML_LOOKBACK_MS, SOURCE_METRIC_LABEL } from '../promql/extensions';

/** One source selector the rules ask predict about, and what they ask. */
export interface MlTarget {
  kind: 'anomaly' | 'forecast';
  /** The source selector as PromQL text, e.g. `http_latency_seconds{job="api"}`. */
  selector: string;
  metric: string;
  /** The selector's matchers other than the metric name. */
  matchers: LabelMatcher[];
  /** Forecast horizons in ms, ascending and distinct; empty for anomaly targets. */
  horizonsMs: number[];
}

function selectorText(metric: string, matchers: readonly LabelMatcher[]): string {
  if (matchers.length === 0) return metric;
  return `${metric}{${matchers.map((m) => `${m.name}${m.type}${JSON.stringify(m.value)}`).join(', ')}}`;
}

/** Adds the targets of one expression into `into`, merging horizons of the same selector. */
function collect(expr: Expr, into: Map<string, MlTarget>): void {
  const stack: Expr[] = [expr];
  while (stack.length > 0) {
    const e = stack.pop()!;
    stack.push(...children(e));
    const source = extensionSource(e);
    if (!source) continue;
    const selector = selectorText(source.metric, source.matchers);
    const key = `${source.kind}\u0000${selector}`;
    let target = into.get(key);
    if (!target) into.set(key, (target = { kind: source.kind, selector, metric: source.metric, matchers: source.matchers, horizonsMs: [] }));
    if (source.horizonMs !== undefined && !target.horizonsMs.includes(source.horizonMs)) {
      target.horizonsMs.push(source.horizonMs);
      target.horizonsMs.sort((a, b) => a - b);
    }
  }
}

function sorted(targets: Map<string, MlTarget>): MlTarget[] {
  return [...targets.values()].sort((a, b) => (a.kind === b.kind ? (a.selector < b.selector ? -1 : a.selector > b.selector ? 1 : 0) : a.kind < b.kind ? -1 : 1));
}

/**
 * Which series an expression asks predict to score or forecast: every `anomaly_score(sel)`,
 * `forecast_breach_probability(sel, "h", x)` and `forecast_drop_probability(sel, "h", x)`.
 */
export function mlTargetsOf(expr: string | Expr): MlTarget[] {
  const into = new Map<string, MlTarget>();
  collect(typeof expr === 'string' ? parsePromQL(expr) : expr, into);
  return sorted(into);
}

/** The targets of every rule (its `expr` and `keep_firing_while`) of the groups, merged. */
export function mlTargetsOfGroups(groups: readonly RuleGroup[]): MlTarget[] {
  const into = new Map<string, MlTarget>();
  for (const g of groups) {
    for (const rule of g.rules) {
      collect(parsePromQL(rule.expr), into);
      if (rule.keep_firing_while !== undefined) collect(parsePromQL(rule.keep_firing_while), into);
    }
  }
  return sorted(into);
}
