import type { Call, Expr, LabelMatcher, MatrixSelector, VectorSelector } from '../ast';
import {
  ANOMALY_LABELS,
  ANOMALY_SCORE_METRIC,
  BOUND_LABEL,
  FORECAST_METRIC,
  formatHorizon,
  HORIZON_LABEL,
  ML_LOOKBACK_MS,
  parseHorizon,
  PREDICTION_LABELS,
  SOURCE_METRIC_LABEL,
} from './names';

/** What a call of an extension function reads: predict's series for its source selector. */
interface ExtensionTarget {
  metric: string;
  /** For forecasts: which bound of the horizon the function reads. */
  bound?: 'max' | 'min';
}

const TARGETS: Readonly<Record<string, ExtensionTarget>> = {
  anomaly_score: { metric: ANOMALY_SCORE_METRIC },
  forecast_breach_probability: { metric: FORECAST_METRIC, bound: 'max' },
  forecast_drop_probability: { metric: FORECAST_METRIC, bound: 'min' },
};

export const EXTENSION_FUNCTION_NAMES: readonly string[] = Object.keys(TARGETS);

export function isExtensionFunction(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(TARGETS, name);
}

/** A problem with an extension call, at a character offset of the query. */
export interface ExtensionProblem {
  reason: string;
  at: number;
}

/** The metric name a selector names with `name` or `{__name__="name"}`, if exactly one. */
function selectorMetric(sel: VectorSelector): string | undefined {
  if (sel.name !== undefined) return sel.name;
  return sel.matchers.find((m) => m.name === '__name__' && m.type === '=')?.value;
}

/**
 * Turns an extension call written over a source selector into a call over the series predict
 * writes for it: `anomaly_score(http_latency{job="api"})` reads
 * `vigil_anomaly_score{source_metric="http_latency", job="api"}[15m]`, and
 * `forecast_breach_probability(disk_used{host="a"}, "4h", 90)` reads
 * `vigil_forecast{source_metric="disk_used", horizon="4h", bound="max", host="a"}[15m]`.
 * The rewritten call is an ordinary node of the expression tree, so the evaluator fetches and
 * evaluates it like any other. Returns a problem instead when the call is not well formed.
 */
export function rewriteExtensionCall(call: Call): ExtensionProblem | undefined {
  const target = TARGETS[call.name];
  if (!target) return undefined;
  const arg = call.args[0];
  if (arg?.kind !== 'VectorSelector') {
    return { reason: `expected a vector selector as the first argument of ${JSON.stringify(call.name)}`, at: arg?.pos.start ?? call.pos.start };
  }
  const metric = selectorMetric(arg);
  if (metric === undefined) {
    return { reason: `the selector in ${JSON.stringify(call.name)} must name its metric (name{...} or {__name__="name"})`, at: arg.pos.start };
  }
  const reservedLabels = target.bound ? PREDICTION_LABELS : ANOMALY_LABELS;
  const reserved = arg.matchers.find((m) => m.name !== '__name__' && reservedLabels.has(m.name));
  if (reserved) return { reason: `label ${JSON.stringify(reserved.name)} is reserved for predict's series in ${JSON.stringify(call.name)}`, at: arg.pos.start };

  const matchers: LabelMatcher[] = [
    { name: '__name__', type: '=', value: target.metric },
    { name: SOURCE_METRIC_LABEL, type: '=', value: metric },
  ];
  if (target.bound) {
    const horizonArg = call.args[1];
    if (horizonArg?.kind !== 'StringLiteral') {
      return { reason: `expected the horizon of ${JSON.stringify(call.name)} as a string literal such as "4h"`, at: horizonArg?.pos.start ?? call.pos.start };
    }
    let horizonMs: number;
    try {
      horizonMs = parseHorizon(horizonArg.value);
    } catch (err) {
      return { reason: `invalid horizon ${JSON.stringify(horizonArg.value)}: ${(err as Error).message}`, at: horizonArg.pos.start };
    }
    if (horizonMs <= 0) return { reason: `the horizon of ${JSON.stringify(call.name)} must be positive`, at: horizonArg.pos.start };
    const horizon = formatHorizon(horizonMs);
    call.args[1] = { ...horizonArg, value: horizon };
    matchers.push({ name: HORIZON_LABEL, type: '=', value: horizon }, { name: BOUND_LABEL, type: '=', value: target.bound });
  }
  matchers.push(...arg.matchers.filter((m) => m.name !== '__name__'));
  const selector: VectorSelector = { kind: 'VectorSelector', name: target.metric, matchers, pos: arg.pos };
  if (arg.offsetMs !== undefined) selector.offsetMs = arg.offsetMs;
  if (arg.at !== undefined) selector.at = arg.at;
  const window: MatrixSelector = { kind: 'MatrixSelector', selector, rangeMs: ML_LOOKBACK_MS, pos: arg.pos };
  call.args[0] = window;
  return undefined;
}

/** The source selector and horizon of a rewritten extension call (what predict must compute). */
export interface ExtensionSource {
  fn: string;
  kind: 'anomaly' | 'forecast';
  metric: string;
  /** The source selector's matchers other than its metric name. */
  matchers: LabelMatcher[];
  horizonMs?: number;
}

/** Reads back the source of an extension call rewritten by rewriteExtensionCall. */
export function extensionSource(e: Expr): ExtensionSource | undefined {
  if (e.kind !== 'Call' || !isExtensionFunction(e.name)) return undefined;
  const arg = e.args[0];
  if (arg?.kind !== 'MatrixSelector') return undefined;
  const ms = arg.selector.matchers;
  const metric = ms.find((m) => m.name === SOURCE_METRIC_LABEL)?.value;
  if (metric === undefined) return undefined;
  const horizon = ms.find((m) => m.name === HORIZON_LABEL)?.value;
  const forecast = TARGETS[e.name]!.bound !== undefined;
  const own = forecast ? PREDICTION_LABELS : ANOMALY_LABELS;
  return {
    fn: e.name,
    kind: forecast ? 'forecast' : 'anomaly',
    metric,
    matchers: ms.filter((m) => !own.has(m.name)),
    ...(horizon !== undefined ? { horizonMs: parseHorizon(horizon) } : {}),
  };
}
