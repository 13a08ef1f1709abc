import { mlTargetsOfGroups, promql, type Context } from '@vigil/core';
import { DEFAULT_ANOMALY_MODEL, DEFAULT_FORECAST_MODEL, DEFAULT_HORIZONS_MS, DEFAULT_POINTS, DEFAULT_WINDOW_MS, type MlConfig } from '@vigil/ml';

/** One selector to score or forecast, with everything predict needs to run it. */
export interface PredictTarget {
  kind: 'anomaly' | 'forecast';
  selector: string;
  metric: string;
  matchers: promql.LabelMatcher[];
  model: string;
  windowMs: number;
  points: number;
  /** Forecast horizons in ms (ascending); empty for anomaly targets. */
  horizonsMs: number[];
}

function parsedSelector(text: string): { metric: string; matchers: promql.LabelMatcher[] } | undefined {
  const expr = promql.parsePromQL(text);
  if (expr.kind !== 'VectorSelector' || !expr.name) return undefined;
  return { metric: expr.name, matchers: expr.matchers };
}

/**
 * What a tenant asks predict for: every anomaly_score / forecast_*_probability call in its rule
 * groups (default model, window and points), merged with the explicit targets of its ML
 * configuration, which choose their own model, window, points and extra horizons.
 */
export async function predictTargets(tenant: string, config: MlConfig, ctx: Context): Promise<PredictTarget[]> {
  const groups = await ctx.services.ruleGroups.list(tenant);
  const byKey = new Map<string, PredictTarget>();
  const keyOf = (kind: string, selector: string) => `${kind}\u0000${selector}`;
  for (const t of mlTargetsOfGroups(groups.map((g) => g.group))) {
    const parsed = parsedSelector(t.selector);
    if (!parsed) continue;
    byKey.set(keyOf(t.kind, t.selector), {
      kind: t.kind,
      selector: t.selector,
      ...parsed,
      model: t.kind === 'anomaly' ? DEFAULT_ANOMALY_MODEL : DEFAULT_FORECAST_MODEL,
      windowMs: DEFAULT_WINDOW_MS,
      points: DEFAULT_POINTS,
      horizonsMs: t.kind === 'forecast' ? [...t.horizonsMs] : [],
    });
  }
  for (const c of config.targets) {
    const parsed = parsedSelector(c.selector);
    if (!parsed) continue;
    const key = keyOf(c.kind, c.selector);
    const fromRules = byKey.get(key);
    const horizons = c.kind === 'forecast' ? [...new Set([...(fromRules?.horizonsMs ?? []), ...(c.horizons ?? (fromRules ? [] : DEFAULT_HORIZONS_MS))])].sort((a, b) => a - b) : [];
    byKey.set(key, {
      kind: c.kind,
      selector: c.selector,
      ...parsed,
      model: c.model ?? (c.kind === 'anomaly' ? DEFAULT_ANOMALY_MODEL : DEFAULT_FORECAST_MODEL),
      windowMs: c.window ?? DEFAULT_WINDOW_MS,
      points: c.points ?? DEFAULT_POINTS,
      horizonsMs: horizons,
    });
  }
  return [...byKey.values()];
}
