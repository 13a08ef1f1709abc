import * as z from 'zod';
import { parseDuration } from '../../alertmanager/config/duration';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

/** YAML scalars read into Go string fields keep their text (`values: 1` is "1"). */
const text = z.lazy(() => z.union([z.string(), z.number().transform(String), z.boolean().transform(String)]));

/** A Prometheus duration in milliseconds (`5m`, `1h30m`, `0`). */
const duration = z.lazy(() =>
  text.transform((s, ctx) => {
    try {
      return parseDuration(s);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a valid duration string: ${JSON.stringify(s)} (${(err as Error).message})` });
      return z.NEVER;
    }
  }),
);

const labelMap = z.lazy(() => z.record(z.string(), text));

export const inputSeriesSchema = z.lazy(() => z.strictObject({ series: text, values: text.default('') }));

export const alertTestSchema = z.lazy(() =>
  z.strictObject({
    eval_time: duration.default(0),
    alertname: text.default(''),
    exp_alerts: z
      .array(
        z.strictObject({
          exp_labels: labelMap.nullish(),
          exp_annotations: labelMap.nullish(),
        }),
      )
      .nullish(),
  }),
);

export const promqlTestSchema = z.lazy(() =>
  z.strictObject({
    expr: text.default(''),
    eval_time: duration.default(0),
    exp_samples: z.array(z.strictObject({ labels: text.default(''), value: z.number().default(0) })).nullish(),
  }),
);

export const testGroupSchema = z.lazy(() =>
  z.strictObject({
    name: text.optional(),
    interval: duration.default(0),
    input_series: z.array(inputSeriesSchema).nullish(),
    alert_rule_test: z.array(alertTestSchema).nullish(),
    promql_expr_test: z.array(promqlTestSchema).nullish(),
    external_labels: labelMap.nullish(),
    external_url: text.optional(),
  }),
);

/** promtool's rule unit-test file, field for field. */
export const ruleTestFileSchema = z.lazy(() =>
  z.strictObject({
    rule_files: z.array(text).nullish(),
    evaluation_interval: duration.optional(),
    group_eval_order: z.array(text).nullish(),
    tests: z.array(testGroupSchema).nullish(),
  }),
);

export type RuleTestFile = z.output<typeof ruleTestFileSchema>;
export type TestGroup = z.output<typeof testGroupSchema>;
export type AlertTestCase = z.output<typeof alertTestSchema>;
export type PromqlTestCase = z.output<typeof promqlTestSchema>;
