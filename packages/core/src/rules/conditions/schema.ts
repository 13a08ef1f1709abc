import * as z from 'zod';
import { LABEL_NAME_RE, METRIC_NAME_RE } from '../../model';
import { parseDuration } from '../../alertmanager/config/duration';
import { durationString as duration, MAX_EVALUATION_PERIODS, NO_DATA_TREATMENTS } from '../schema';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

/**
 * The JSON condition form of the seeds (`{"type":"threshold","metric_path":"current_metrics.cpu_usage",
 * "operator":">","threshold":80,"name":"HighCPU",...}`) and its ML siblings (`type: anomaly`,
 * `type: forecast`). Each converts to one Prometheus-shaped alerting rule.
 */
const metricPath = z.lazy(() =>
  z.string().superRefine((path, ctx) => {
    const metric = path.split('.').pop() ?? '';
    if (path.split('.').some((s) => s === '')) ctx.addIssue({ code: 'custom', message: 'metric_path must be dot-separated names, e.g. current_metrics.cpu_usage' });
    else if (!METRIC_NAME_RE.test(metric)) ctx.addIssue({ code: 'custom', message: `the last segment of metric_path ("${metric}") must be a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)` });
  }),
);

/** Fields of every condition kind; a function, so they are built with the schema using them. */
const common = () => ({
  /** The alert name. */
  name: z.string().min(1, 'name must not be empty'),
  description: z.string().optional(),
  summary: z.string().optional(),
  severity: z.string().min(1).optional(),
  category: z.string().min(1).optional(),
  /** Must be the caller's tenant when given (the API checks it). */
  tenant_id: z.string().optional(),
  metric_path: metricPath,
  /** Equality matchers on the metric's labels, e.g. {"host": "web-1"}. */
  match: z.record(z.string().regex(LABEL_NAME_RE, 'label names must match [a-zA-Z_][a-zA-Z0-9_]*'), z.string()).optional(),
  for: duration.optional(),
  no_data: z.enum([...NO_DATA_TREATMENTS, 'not_breaching']).optional(),
  datapoints_to_alert: z.number().int().min(1).optional(),
  evaluation_periods: z.number().int().min(1).max(MAX_EVALUATION_PERIODS).optional(),
});

export const THRESHOLD_OPERATORS = ['>', '>=', '<', '<=', '==', '!='] as const;
const finite = z.lazy(() => z.number().refine(Number.isFinite, 'must be a finite number'));

export const thresholdConditionSchema = z.lazy(() =>
  z
    .strictObject({
      type: z.literal('threshold'),
      ...common(),
      operator: z.enum(THRESHOLD_OPERATORS, { message: `operator must be one of ${THRESHOLD_OPERATORS.join(' ')}` }),
      threshold: finite,
      /** Hysteresis: once firing, the alert stays firing until the value crosses this level. */
      recovery_threshold: finite.optional(),
    })
    .superRefine((c, ctx) => {
      if (c.recovery_threshold === undefined) return;
      const up = c.operator === '>' || c.operator === '>=';
      const down = c.operator === '<' || c.operator === '<=';
      if (!up && !down) ctx.addIssue({ code: 'custom', path: ['recovery_threshold'], message: `recovery_threshold needs an ordering operator (> >= < <=), not ${c.operator}` });
      else if (up && c.recovery_threshold > c.threshold) ctx.addIssue({ code: 'custom', path: ['recovery_threshold'], message: `recovery_threshold (${c.recovery_threshold}) must not be above threshold (${c.threshold}) for operator ${c.operator}` });
      else if (down && c.recovery_threshold < c.threshold) ctx.addIssue({ code: 'custom', path: ['recovery_threshold'], message: `recovery_threshold (${c.recovery_threshold}) must not be below threshold (${c.threshold}) for operator ${c.operator}` });
    }),
);

const score = z.lazy(() => z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'));

export const anomalyConditionSchema = z.lazy(() =>
  z
    .strictObject({
      type: z.literal('anomaly'),
      ...common(),
      operator: z.enum(['>', '>='], { message: 'operator must be > or >=' }).default('>'),
      /** Anomaly score (0..1) above which the alert fires. */
      threshold: score,
      recovery_threshold: score.optional(),
    })
    .superRefine((c, ctx) => {
      if (c.recovery_threshold !== undefined && c.recovery_threshold > c.threshold) {
        ctx.addIssue({ code: 'custom', path: ['recovery_threshold'], message: `recovery_threshold (${c.recovery_threshold}) must not be above threshold (${c.threshold})` });
      }
    }),
);

export const forecastConditionSchema = z.lazy(() =>
  z.strictObject({
    type: z.literal('forecast'),
    ...common(),
    /** `>`/`>=`: the series is forecast to reach the threshold; `<`/`<=`: to drop to it. */
    operator: z.enum(['>', '>=', '<', '<='], { message: 'operator must be one of > >= < <=' }),
    threshold: finite,
    /** How far ahead, e.g. "4h". */
    horizon: duration.refine((h) => { try { return parseDuration(h) > 0; } catch { return true; } }, 'horizon must be positive'),
    /** Fire when the forecast probability of the breach exceeds this; default 0.9. */
    probability: z.number().gt(0, 'probability must be in (0, 1)').lt(1, 'probability must be in (0, 1)').default(0.9),
  }),
);

export const conditionSchema = z.lazy(() =>
  z.discriminatedUnion('type', [thresholdConditionSchema, anomalyConditionSchema, forecastConditionSchema], {
    message: 'type must be one of threshold, anomaly, forecast',
  }),
);
export type Condition = z.output<typeof conditionSchema>;

/** `{namespace?, group?, conditions: [...]}`; a bare condition or array is accepted too (parseConditionsRequest). */
export const conditionsRequestSchema = z.lazy(() =>
  z.strictObject({
    namespace: z.string().min(1).optional(),
    group: z.string().min(1).optional(),
    conditions: z.array(conditionSchema).min(1, 'conditions must not be empty').max(1000, 'at most 1000 conditions per request'),
  }),
);
export const conditionListSchema = z.lazy(() => z.array(conditionSchema).min(1, 'at least one condition is required').max(1000, 'at most 1000 conditions per request'));
