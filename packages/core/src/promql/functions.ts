import { LABEL_NAME_RE, METRIC_NAME, type Labels } from '../model/labels';
import type { Expr, LabelMatcher } from './ast';
import { EvaluationError } from './errors';
import { bucketQuantile, type Bucket } from './histogram';
import { dropMetricName, labelsKey, setLabel } from './labelset';
import { compileRegex, labelValue, RegexSyntaxError } from './matchers';
import { civilTime, goLog10, goLog2, kahanSumInc, parseGoFloat, quantile, type CivilTime } from './numeric';
import type { SamplePoint } from './source';
import type { Matrix, Sample, Value } from './value';
import { EXTENSION_FUNCTIONS } from './extensions/functions';

/**
 * The PromQL functions, as Prometheus 2.42 computes them (promql/functions.go). Each receives
 * its evaluated arguments and the argument expressions (absent() reads the selector's matchers,
 * timestamp() knows whether it got a raw selector).
 */
export interface CallContext {
  /** Evaluation time, ms. */
  t: number;
  args: Value[];
  argExprs: Expr[];
}

type Fn = (ctx: CallContext) => Value;

function vectorArg(ctx: CallContext, i: number): Sample[] {
  const v = ctx.args[i];
  if (v?.type !== 'vector') throw new EvaluationError(`argument ${i + 1} must be an instant vector`);
  return v.samples;
}

function matrixArg(ctx: CallContext, i: number): Matrix {
  const v = ctx.args[i];
  if (v?.type !== 'matrix') throw new EvaluationError(`argument ${i + 1} must be a range vector`);
  return v;
}

function scalarArg(ctx: CallContext, i: number): number {
  const v = ctx.args[i];
  if (v?.type !== 'scalar') throw new EvaluationError(`argument ${i + 1} must be a scalar`);
  return v.value;
}

function stringArg(ctx: CallContext, i: number): string {
  const v = ctx.args[i];
  if (v?.type !== 'string') throw new EvaluationError(`argument ${i + 1} must be a string`);
  return v.value;
}

const vector = (samples: Sample[]): Value => ({ type: 'vector', samples });

/** An element-wise function of an instant vector; the metric name is dropped. */
function simple(f: (v: number) => number): Fn {
  return (ctx) => vector(vectorArg(ctx, 0).map((s) => ({ labels: dropMetricName(s.labels), value: f(s.value) })));
}

/**
 * A function of each series' samples in the range. Series without a result are left out; the
 * metric name is dropped except by last_over_time, which acts like an offset.
 */
function overRange(f: (points: SamplePoint[], m: Matrix, ctx: CallContext) => number | undefined, keepName = false): Fn {
  return (ctx) => {
    const m = matrixArg(ctx, ctx.args.findIndex((a) => a.type === 'matrix'));
    const out: Sample[] = [];
    for (const s of m.series) {
      if (s.points.length === 0) continue;
      const v = f(s.points, m, ctx);
      if (v === undefined) continue;
      out.push({ labels: keepName ? s.labels : dropMetricName(s.labels), value: v });
    }
    return vector(out);
  };
}

/** Prometheus' extrapolatedRate: the increase over the range, extrapolated towards its edges. */
function extrapolatedRate(points: SamplePoint[], m: Matrix, isCounter: boolean, isRate: boolean): number | undefined {
  if (points.length < 2) return undefined;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const rangeStart = m.endMs - m.rangeMs;
  const rangeEnd = m.endMs;
  let result = last.v - first.v;
  if (isCounter) {
    let prev = first.v;
    for (let i = 1; i < points.length; i++) {
      const cur = points[i]!.v;
      // A drop is a counter reset: what was counted before it still counts.
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  let durationToStart = (first.t - rangeStart) / 1000;
  const durationToEnd = (rangeEnd - last.t) / 1000;
  const sampledInterval = (last.t - first.t) / 1000;
  const averageBetween = sampledInterval / (points.length - 1);
  if (isCounter && result > 0 && first.v >= 0) {
    // Counters cannot go below zero: extrapolate at most to where the counter would be zero.
    const durationToZero = sampledInterval * (first.v / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageBetween * 1.1;
  let extrapolateTo = sampledInterval;
  extrapolateTo += durationToStart < threshold ? durationToStart : averageBetween / 2;
  extrapolateTo += durationToEnd < threshold ? durationToEnd : averageBetween / 2;
  let factor = extrapolateTo / sampledInterval;
  if (isRate) factor /= m.rangeMs / 1000;
  return result * factor;
}

/** irate and idelta: the last two samples only. */
function instantValue(points: SamplePoint[], isRate: boolean): number | undefined {
  if (points.length < 2) return undefined;
  const last = points[points.length - 1]!;
  const prev = points[points.length - 2]!;
  const result = isRate && last.v < prev.v ? last.v : last.v - prev.v;
  const interval = last.t - prev.t;
  if (interval === 0) return undefined;
  return isRate ? result / (interval / 1000) : result;
}

/** Least-squares fit of value over seconds since interceptTime (Kahan sums, as Prometheus). */
function linearRegression(points: SamplePoint[], interceptTime: number): [number, number] {
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = points[0]!.v;
  let constY = true;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (constY && i > 0 && p.v !== initY) constY = false;
    n += 1;
    const x = (p.t - interceptTime) / 1e3;
    [sumX, cX] = kahanSumInc(x, sumX, cX);
    [sumY, cY] = kahanSumInc(p.v, sumY, cY);
    [sumXY, cXY] = kahanSumInc(x * p.v, sumXY, cXY);
    [sumX2, cX2] = kahanSumInc(x * x, sumX2, cX2);
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) return [NaN, NaN];
    return [0, initY];
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

function avgOverTime(points: SamplePoint[]): number {
  let mean = 0;
  let count = 0;
  let c = 0;
  for (const { v } of points) {
    count++;
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      // An infinite mean stays as it is unless a NaN or the opposite infinity arrives.
      if (!Number.isFinite(v) && !Number.isNaN(v) && mean > 0 === v > 0) continue;
      if (Number.isFinite(v)) continue;
    }
    [mean, c] = kahanSumInc(v / count - mean / count, mean, c);
  }
  if (!Number.isFinite(mean) && !Number.isNaN(mean)) return mean;
  return mean + c;
}

function varianceOverTime(points: SamplePoint[]): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (const { v } of points) {
    count++;
    const delta = v - (mean + cMean);
    [mean, cMean] = kahanSumInc(delta / count, mean, cMean);
    [aux, cAux] = kahanSumInc(delta * (v - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

function sumOverTime(points: SamplePoint[]): number {
  let sum = 0;
  let c = 0;
  for (const { v } of points) [sum, c] = kahanSumInc(v, sum, c);
  if (!Number.isFinite(sum) && !Number.isNaN(sum)) return sum;
  return sum + c;
}

function holtWinters(points: SamplePoint[], sf: number, tf: number): number | undefined {
  if (!(sf > 0 && sf < 1)) throw new EvaluationError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf.toFixed(6)}`);
  if (!(tf > 0 && tf < 1)) throw new EvaluationError(`invalid trend factor. Expected: 0 < tf < 1, got: ${tf.toFixed(6)}`);
  if (points.length < 2) return undefined;
  let s0 = 0;
  let s1 = points[0]!.v;
  let b = points[1]!.v - points[0]!.v;
  for (let i = 1; i < points.length; i++) {
    const x = sf * points[i]!.v;
    if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

/** The labels absent() gives its result: the selector's equality matchers, if unambiguous. */
function absentLabels(expr: Expr | undefined): Labels {
  let e = expr;
  while (e?.kind === 'ParenExpr') e = e.expr;
  let matchers: LabelMatcher[] = [];
  if (e?.kind === 'VectorSelector') matchers = e.matchers;
  else if (e?.kind === 'MatrixSelector') matchers = e.selector.matchers;
  const out: Labels = {};
  const ambiguous: string[] = [];
  for (const m of matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !Object.prototype.hasOwnProperty.call(out, m.name)) {
      if (m.value !== '') out[m.name] = m.value;
    } else {
      ambiguous.push(m.name);
    }
  }
  for (const name of ambiguous) delete out[name];
  return out;
}

/** A calendar function: of each sample's value as Unix seconds, or of the evaluation time. */
function calendar(field: keyof CivilTime): Fn {
  return (ctx) => {
    if (ctx.args.length === 0) return vector([{ labels: {}, value: civilTime(ctx.t / 1000)[field] }]);
    return vector(vectorArg(ctx, 0).map((s) => ({ labels: dropMetricName(s.labels), value: civilTime(s.value)[field] })));
  };
}

/** Go's Regexp.Expand for label_replace's replacement: $1, ${1}, $name, ${name}, $$. */
export function expandTemplate(template: string, group: (ref: number | string) => string): string {
  let out = '';
  let rest = template;
  for (;;) {
    const at = rest.indexOf('$');
    if (at < 0) break;
    out += rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const brace = rest.startsWith('{');
    const body = brace ? rest.slice(1) : rest;
    const nameMatch = /^[\p{L}\p{Nd}_]+/u.exec(body);
    if (!nameMatch || (brace && body[nameMatch[0].length] !== '}')) {
      // Malformed: the dollar sign stays as text.
      out += '$';
      continue;
    }
    const name = nameMatch[0];
    rest = body.slice(name.length + (brace ? 1 : 0));
    const num = /^[0-9]+$/.test(name) && !(name.length > 1 && name[0] === '0') && name.length <= 8 ? Number(name) : -1;
    out += group(num >= 0 ? num : name);
  }
  return out + rest;
}

function labelReplace(ctx: CallContext): Value {
  const samples = vectorArg(ctx, 0);
  const dst = stringArg(ctx, 1);
  const replacement = stringArg(ctx, 2);
  const src = stringArg(ctx, 3);
  const pattern = stringArg(ctx, 4);
  let re;
  try {
    re = compileRegex(pattern);
  } catch (err) {
    if (err instanceof RegexSyntaxError) throw new EvaluationError(`invalid regular expression in label_replace(): ${pattern}`);
    throw err;
  }
  if (!LABEL_NAME_RE.test(dst)) throw new EvaluationError(`invalid destination label name in label_replace(): ${dst}`);
  const named = re.namedGroups();
  const out = samples.map((s) => {
    const value = labelValue(s.labels, src) ?? '';
    const m = re.matcher(value);
    if (!m.matches()) return { labels: s.labels, value: s.value };
    const count = m.groupCount();
    const res = expandTemplate(replacement, (ref) => {
      const index = typeof ref === 'number' ? ref : named[ref];
      if (index === undefined || index > count) return '';
      return m.group(index) ?? '';
    });
    return { labels: setLabel(s.labels, dst, res), value: s.value };
  });
  return vector(out);
}

function labelJoin(ctx: CallContext): Value {
  const samples = vectorArg(ctx, 0);
  const dst = stringArg(ctx, 1);
  const sep = stringArg(ctx, 2);
  const srcs: string[] = [];
  for (let i = 3; i < ctx.args.length; i++) {
    const src = stringArg(ctx, i);
    if (!LABEL_NAME_RE.test(src)) throw new EvaluationError(`invalid source label name in label_join(): ${src}`);
    srcs.push(src);
  }
  if (!LABEL_NAME_RE.test(dst)) throw new EvaluationError(`invalid destination label name in label_join(): ${dst}`);
  return vector(
    samples.map((s) => ({ labels: setLabel(s.labels, dst, srcs.map((n) => labelValue(s.labels, n) ?? '').join(sep)), value: s.value })),
  );
}

function histogramQuantile(ctx: CallContext): Value {
  const q = scalarArg(ctx, 0);
  const groups = new Map<string, { labels: Labels; buckets: Bucket[] }>();
  for (const s of vectorArg(ctx, 1)) {
    const le = labelValue(s.labels, 'le');
    const upperBound = le === undefined ? null : parseGoFloat(le);
    // No le label, or one that is not a number: not a bucket, skipped as Prometheus does.
    if (upperBound === null) continue;
    const { le: _le, ...rest } = s.labels;
    const key = labelsKey(rest);
    let g = groups.get(key);
    if (!g) {
      g = { labels: dropMetricName(rest), buckets: [] };
      groups.set(key, g);
    }
    g.buckets.push({ upperBound, count: s.value });
  }
  return vector([...groups.values()].map((g) => ({ labels: g.labels, value: bucketQuantile(q, g.buckets) })));
}


/** sort and sort_desc: by value, NaN last, equal values in their input order. */
function sorted(desc: boolean): Fn {
  return (ctx) => {
    const samples = [...vectorArg(ctx, 0)];
    samples.sort((a, b) => {
      const an = Number.isNaN(a.value);
      const bn = Number.isNaN(b.value);
      if (an || bn) return an === bn ? 0 : an ? 1 : -1;
      return desc ? b.value - a.value : a.value - b.value;
    });
    return vector(samples);
  };
}

export const FUNCTIONS: Readonly<Record<string, Fn>> = {
  abs: simple(Math.abs),
  ceil: simple(Math.ceil),
  floor: simple(Math.floor),
  exp: simple(Math.exp),
  sqrt: simple(Math.sqrt),
  ln: simple(Math.log),
  log2: simple(goLog2),
  log10: simple(goLog10),
  sgn: simple((v) => (v < 0 ? -1 : v > 0 ? 1 : v)),
  acos: simple(Math.acos),
  acosh: simple(Math.acosh),
  asin: simple(Math.asin),
  asinh: simple(Math.asinh),
  atan: simple(Math.atan),
  atanh: simple(Math.atanh),
  cos: simple(Math.cos),
  cosh: simple(Math.cosh),
  sin: simple(Math.sin),
  sinh: simple(Math.sinh),
  tan: simple(Math.tan),
  tanh: simple(Math.tanh),
  deg: simple((v) => (v * 180) / Math.PI),
  rad: simple((v) => (v * Math.PI) / 180),
  pi: () => ({ type: 'scalar', value: Math.PI }),
  time: (ctx) => ({ type: 'scalar', value: ctx.t / 1000 }),
  vector: (ctx) => vector([{ labels: {}, value: scalarArg(ctx, 0) }]),
  scalar: (ctx) => {
    const v = vectorArg(ctx, 0);
    return { type: 'scalar', value: v.length === 1 ? v[0]!.value : NaN };
  },
  round: (ctx) => {
    const toNearest = ctx.args.length > 1 ? scalarArg(ctx, 1) : 1;
    // Division by the inverse keeps results like round(x, 0.1) free of 0.30000000000000004.
    const inverse = 1 / toNearest;
    return simple((v) => Math.floor(v * inverse + 0.5) / inverse)(ctx);
  },
  clamp: (ctx) => {
    const min = scalarArg(ctx, 1);
    const max = scalarArg(ctx, 2);
    if (max < min) return vector([]);
    return simple((v) => Math.max(min, Math.min(max, v)))(ctx);
  },
  clamp_min: (ctx) => {
    const min = scalarArg(ctx, 1);
    return simple((v) => Math.max(min, v))(ctx);
  },
  clamp_max: (ctx) => {
    const max = scalarArg(ctx, 1);
    return simple((v) => Math.min(max, v))(ctx);
  },
  timestamp: (ctx) => {
    // A selector's samples carry their own time; anything computed is at the evaluation time.
    let arg = ctx.argExprs[0];
    while (arg?.kind === 'ParenExpr') arg = arg.expr;
    const raw = arg?.kind === 'VectorSelector';
    return vector(vectorArg(ctx, 0).map((s) => ({ labels: dropMetricName(s.labels), value: ((raw ? s.t : undefined) ?? ctx.t) / 1000 })));
  },
  absent: (ctx) => (vectorArg(ctx, 0).length > 0 ? vector([]) : vector([{ labels: absentLabels(ctx.argExprs[0]), value: 1 }])),
  absent_over_time: (ctx) =>
    matrixArg(ctx, 0).series.some((s) => s.points.length > 0) ? vector([]) : vector([{ labels: absentLabels(ctx.argExprs[0]), value: 1 }]),
  sort: sorted(false),
  sort_desc: sorted(true),
  label_replace: labelReplace,
  label_join: labelJoin,
  histogram_quantile: histogramQuantile,

  rate: overRange((p, m) => extrapolatedRate(p, m, true, true)),
  increase: overRange((p, m) => extrapolatedRate(p, m, true, false)),
  delta: overRange((p, m) => extrapolatedRate(p, m, false, false)),
  irate: overRange((p) => instantValue(p, true)),
  idelta: overRange((p) => instantValue(p, false)),
  deriv: overRange((p) => (p.length < 2 ? undefined : linearRegression(p, p[0]!.t)[0])),
  predict_linear: overRange((p, _m, ctx) => {
    if (p.length < 2) return undefined;
    const duration = scalarArg(ctx, 1);
    const [slope, intercept] = linearRegression(p, ctx.t);
    return slope * duration + intercept;
  }),
  holt_winters: overRange((p, _m, ctx) => holtWinters(p, scalarArg(ctx, 1), scalarArg(ctx, 2))),
  changes: overRange((p) => {
    let changes = 0;
    for (let i = 1; i < p.length; i++) {
      const prev = p[i - 1]!.v;
      const cur = p[i]!.v;
      if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) changes++;
    }
    return changes;
  }),
  resets: overRange((p) => {
    let resets = 0;
    for (let i = 1; i < p.length; i++) if (p[i]!.v < p[i - 1]!.v) resets++;
    return resets;
  }),
  avg_over_time: overRange(avgOverTime),
  sum_over_time: overRange(sumOverTime),
  count_over_time: overRange((p) => p.length),
  min_over_time: overRange((p) => {
    let min = p[0]!.v;
    for (const { v } of p) if (v < min || Number.isNaN(min)) min = v;
    return min;
  }),
  max_over_time: overRange((p) => {
    let max = p[0]!.v;
    for (const { v } of p) if (v > max || Number.isNaN(max)) max = v;
    return max;
  }),
  stddev_over_time: overRange((p) => Math.sqrt(varianceOverTime(p))),
  stdvar_over_time: overRange(varianceOverTime),
  last_over_time: overRange((p) => p[p.length - 1]!.v, true),
  present_over_time: overRange(() => 1),
  quantile_over_time: overRange((p, _m, ctx) => quantile(scalarArg(ctx, 0), p.map((x) => x.v))),

  minute: calendar('minute'),
  hour: calendar('hour'),
  day_of_week: calendar('dayOfWeek'),
  day_of_month: calendar('day'),
  day_of_year: calendar('dayOfYear'),
  days_in_month: calendar('daysInMonth'),
  month: calendar('month'),
  year: calendar('year'),
  ...EXTENSION_FUNCTIONS,
};

