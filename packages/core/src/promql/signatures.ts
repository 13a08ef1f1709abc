import type { ValueType } from './ast';
import { EXTENSION_SIGNATURES } from './extensions/signatures';

/**
 * Argument and result types of the PromQL functions, as Prometheus 2.42 declares them
 * (promql/parser/functions.go). `variadic` is 0 for a fixed argument list, n for up to n
 * optional trailing arguments of the last type, and -1 for any number of them.
 */
export interface FunctionSignature {
  argTypes: ValueType[];
  variadic: number;
  returnType: ValueType;
}

const v: ValueType = 'vector';
const m: ValueType = 'matrix';
const s: ValueType = 'scalar';
const str: ValueType = 'string';

function sig(argTypes: ValueType[], returnType: ValueType = v, variadic = 0): FunctionSignature {
  return { argTypes, variadic, returnType };
}

const instantMath = [
  'abs', 'ceil', 'floor', 'exp', 'sqrt', 'ln', 'log2', 'log10', 'sgn',
  'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cos', 'cosh', 'sin', 'sinh', 'tan', 'tanh', 'deg', 'rad',
];
const overTime = [
  'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time',
  'stddev_over_time', 'stdvar_over_time', 'last_over_time', 'present_over_time',
];
const calendar = ['minute', 'hour', 'day_of_week', 'day_of_month', 'day_of_year', 'days_in_month', 'month', 'year'];

export const FUNCTION_SIGNATURES: Readonly<Record<string, FunctionSignature>> = Object.freeze({
  ...Object.fromEntries(instantMath.map((n) => [n, sig([v])])),
  ...Object.fromEntries(overTime.map((n) => [n, sig([m])])),
  ...Object.fromEntries(calendar.map((n) => [n, sig([v], v, 1)])),
  rate: sig([m]),
  irate: sig([m]),
  increase: sig([m]),
  delta: sig([m]),
  idelta: sig([m]),
  deriv: sig([m]),
  changes: sig([m]),
  resets: sig([m]),
  absent_over_time: sig([m]),
  predict_linear: sig([m, s]),
  quantile_over_time: sig([s, m]),
  holt_winters: sig([m, s, s]),
  absent: sig([v]),
  clamp: sig([v, s, s]),
  clamp_min: sig([v, s]),
  clamp_max: sig([v, s]),
  round: sig([v, s], v, 1),
  timestamp: sig([v]),
  time: sig([], s),
  pi: sig([], s),
  vector: sig([s]),
  scalar: sig([v], s),
  sort: sig([v]),
  sort_desc: sig([v]),
  histogram_quantile: sig([s, v]),
  label_replace: sig([v, str, str, str, str]),
  label_join: sig([v, str, str, str], v, -1),
  // Vigil's extensions (anomaly score, forecasts); promtool does not know them.
  ...EXTENSION_SIGNATURES,
});
