import type { AlertingRuleSpec, AlertRecord, ResultSample, StepOptions } from '../alerting/state';
import { evaluateQuery, parsePromQL, type EvaluateOptions, type Expr, type SeriesSource } from '../promql';
import { children } from '../promql';
import type { Rule } from './schema';

/**
 * The selectors that decide whether an expression had data: range selectors and the instant
 * selectors not inside one (a subquery's selectors are checked at the evaluation time only).
 */
function dataLeaves(expr: Expr): Expr[] {
  const out: Expr[] = [];
  const stack: Expr[] = [expr];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.kind === 'VectorSelector' || e.kind === 'MatrixSelector') {
      out.push(e);
      continue;
    }
    stack.push(...children(e));
  }
  return out;
}

/**
 * "No data": every selector of the expression returns nothing in its lookback (an instant
 * selector no sample in the 5 minutes before, a range selector no sample in its range). An
 * expression without selectors (`vector(1)`) always has data.
 */
export async function hasNoData(expr: Expr, ts: number, source: SeriesSource, options: EvaluateOptions = {}): Promise<boolean> {
  const leaves = dataLeaves(expr);
  if (leaves.length === 0) return false;
  for (const leaf of leaves) {
    const v = await evaluateQuery(leaf, ts, source, options);
    if (v.type === 'vector' && v.samples.length > 0) return false;
    if (v.type === 'matrix' && v.series.some((s) => s.samples.length > 0)) return false;
    if (v.type === 'scalar' || v.type === 'string') return false;
  }
  return true;
}

/** The parts of an alerting rule's state-machine spec that come from Vigil's rule fields. */
export function ruleSpecExtensions(rule: Rule): Pick<AlertingRuleSpec, 'noData' | 'datapoints'> {
  const out: Pick<AlertingRuleSpec, 'noData' | 'datapoints'> = {};
  if (rule.no_data !== undefined) out.noData = rule.no_data;
  // CloudWatch: DatapointsToAlarm defaults to EvaluationPeriods.
  if (rule.evaluation_periods !== undefined) out.datapoints = { toAlert: rule.datapoints_to_alert ?? rule.evaluation_periods, periods: rule.evaluation_periods };
  return out;
}

/**
 * What the state machine needs besides the result: whether the evaluation had no data at all
 * (only asked when the rule treats no data specially and the result is empty) and the result of
 * `keep_firing_while` (only evaluated while one of the rule's alerts is firing).
 */
export async function ruleStepOptions(
  rule: Rule,
  results: readonly ResultSample[],
  previous: readonly AlertRecord[],
  ts: number,
  source: SeriesSource,
  run: (expr: Expr) => Promise<ResultSample[]>,
  parse: (text: string) => Expr = parsePromQL,
  newPeriod = true,
  /** The evaluation's options (its cache): the no-data check reads selectors the rule has just read. */
  queryOptions: EvaluateOptions = {},
): Promise<StepOptions> {
  const options: StepOptions = { newPeriod };
  if (results.length === 0 && (rule.no_data === 'breaching' || rule.no_data === 'ignore')) options.noData = await hasNoData(parse(rule.expr), ts, source, queryOptions);
  if (rule.keep_firing_while !== undefined && previous.some((a) => a.state === 'firing')) options.recovery = await run(parse(rule.keep_firing_while));
  return options;
}
