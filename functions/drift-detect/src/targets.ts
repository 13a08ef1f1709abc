import { DRIFT_SCORE_METRIC, promql, SOURCE_METRIC_LABEL, type RuleGroup } from '@vigil/core';
import type { MlConfig } from '@vigil/ml';

export const DRIFT_DETECTED_METRIC = 'vigil_drift_detected';
export const TEST_LABEL = 'test';

/** One source selector whose distribution drift-detect watches. */
export interface DriftTarget {
  metric: string;
  /** Every matcher of the source selector, `__name__` included. */
  matchers: promql.LabelMatcher[];
}

function selectorKey(t: DriftTarget): string {
  return t.matchers
    .map((m) => `${m.name}${m.type}${JSON.stringify(m.value)}`)
    .sort()
    .join(',');
}

/**
 * The source series a rule reading `vigil_drift_score{source_metric="m", job="x"}` (or
 * `vigil_drift_detected{...}`) depends on: `m{job="x"}`. Only an equality matcher on
 * source_metric names a metric; the `test` matcher selects among outputs, not sources.
 */
function targetsOfExpr(expr: promql.Expr): DriftTarget[] {
  const out: DriftTarget[] = [];
  for (const sel of promql.collectSelectors(expr)) {
    if (sel.name !== DRIFT_SCORE_METRIC && sel.name !== DRIFT_DETECTED_METRIC) continue;
    const source = sel.matchers.find((m) => m.name === SOURCE_METRIC_LABEL && m.type === '=');
    if (!source || source.value === '') continue;
    const rest = sel.matchers.filter((m) => m.name !== '__name__' && m.name !== SOURCE_METRIC_LABEL && m.name !== TEST_LABEL);
    out.push({ metric: source.value, matchers: [{ name: '__name__', type: '=', value: source.value }, ...rest] });
  }
  return out;
}

/** Drift targets of a tenant: those its rules read, plus the selectors of its ML configuration. */
export function driftTargets(groups: readonly RuleGroup[], config: MlConfig): DriftTarget[] {
  const byKey = new Map<string, DriftTarget>();
  const add = (t: DriftTarget) => byKey.set(selectorKey(t), t);
  for (const g of groups) {
    for (const rule of g.rules) {
      for (const text of [rule.expr, rule.keep_firing_while]) {
        if (text === undefined) continue;
        try {
          targetsOfExpr(promql.parsePromQL(text)).forEach(add);
        } catch (err) {
          // Stored rules were checked at upload; one that no longer parses asks for nothing.
          if (!(err instanceof promql.PromQLError)) throw err;
        }
      }
    }
  }
  for (const c of config.drift.targets) {
    const expr = promql.parsePromQL(c.selector);
    if (expr.kind === 'VectorSelector' && expr.name) add({ metric: expr.name, matchers: expr.matchers });
  }
  return [...byKey.values()];
}
