import * as z from 'zod';
import { LABEL_NAME_RE, METRIC_NAME_RE } from '../model';
import { parseDuration } from '../alertmanager/config/duration';
import { parsePromQL, PromQLError } from '../promql';
import { checkTemplate } from '../template';
import { burnRateExpr, SLO_BURN_RATES, sloSchema } from './slo';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

/** A Prometheus duration string (`30s`, `5m`, `1h30m`), validated and kept as written. */
export const durationString = z.lazy(() =>
  z.string().superRefine((s, ctx) => {
    try {
      parseDuration(s);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `invalid duration "${s}": ${(err as Error).message}` });
    }
  }),
);

const templateMap = (what: string) =>
  z.record(z.string().regex(LABEL_NAME_RE, `${what} names must match [a-zA-Z_][a-zA-Z0-9_]*`), z.string()).superRefine((map, ctx) => {
    for (const [key, text] of Object.entries(map)) {
      const problem = checkTemplate(text);
      if (problem) ctx.addIssue({ code: 'custom', path: [key], message: `template error: ${problem}` });
    }
  });

const exprString = z.lazy(() =>
  z.string().superRefine((expr, ctx) => {
    if (expr.trim() === '') {
      ctx.addIssue({ code: 'custom', message: 'expr must not be empty' });
      return;
    }
    try {
      parsePromQL(expr);
    } catch (err) {
      if (err instanceof PromQLError) ctx.addIssue({ code: 'custom', message: `invalid PromQL: ${err.message}` });
      else throw err;
    }
  }),
);

/**
 * What an evaluation in which no selector of the expression returned data means (CloudWatch's
 * TreatMissingData). `not_breaching` is accepted for `notBreaching`.
 */
export const NO_DATA_TREATMENTS = ['missing', 'breaching', 'notBreaching', 'ignore'] as const;
export type NoDataTreatment = (typeof NO_DATA_TREATMENTS)[number];
const noDataSchema = z.lazy(() =>
  z
    .enum([...NO_DATA_TREATMENTS, 'not_breaching'], { message: `no_data must be one of ${NO_DATA_TREATMENTS.join(', ')}` })
    .transform((v): NoDataTreatment => (v === 'not_breaching' ? 'notBreaching' : v)),
);

/** The most evaluations an M-of-N window may span (the history is a bit mask in the alert state). */
export const MAX_EVALUATION_PERIODS = 30;

/** Vigil's fields on top of Prometheus' alerting rule; none is valid in a recording rule. */
const VIGIL_ALERT_FIELDS = ['no_data', 'datapoints_to_alert', 'evaluation_periods', 'keep_firing_while', 'slo'] as const;

/**
 * One rule of a rule file as written: an alerting rule (`alert`) or a recording rule (`record`),
 * with Vigil's alerting extensions (`no_data`, M-of-N, `keep_firing_while`, `slo`).
 */
const ruleInputSchema = z.lazy(() =>
  z
    .strictObject({
      alert: z.string().min(1, 'alert name must not be empty').optional(),
      record: z.string().regex(METRIC_NAME_RE, 'record must be a valid metric name').optional(),
      expr: z.union([exprString, z.number().transform(String)]).optional(),
      for: durationString.optional(),
      keep_firing_for: durationString.optional(),
      labels: templateMap('label').optional(),
      annotations: templateMap('annotation').optional(),
      no_data: noDataSchema.optional(),
      datapoints_to_alert: z.number().int().min(1, 'datapoints_to_alert must be at least 1').optional(),
      evaluation_periods: z.number().int().min(1, 'evaluation_periods must be at least 1').max(MAX_EVALUATION_PERIODS, `evaluation_periods must be at most ${MAX_EVALUATION_PERIODS}`).optional(),
      keep_firing_while: exprString.optional(),
      slo: sloSchema.optional(),
    })
    .superRefine((rule, ctx) => {
      if (rule.alert === undefined && rule.record === undefined) ctx.addIssue({ code: 'custom', message: 'one of "alert" or "record" is required' });
      if (rule.alert !== undefined && rule.record !== undefined) ctx.addIssue({ code: 'custom', message: 'only one of "alert" and "record" may be set' });
      if (rule.record !== undefined) {
        for (const key of ['for', 'keep_firing_for', 'annotations', ...VIGIL_ALERT_FIELDS] as const) {
          if (rule[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `invalid field "${key}" in recording rule` });
        }
      }
      if (rule.expr === undefined && rule.slo === undefined) ctx.addIssue({ code: 'custom', path: ['expr'], message: 'expr is required' });
      if (rule.expr !== undefined && rule.slo !== undefined) ctx.addIssue({ code: 'custom', path: ['slo'], message: 'an slo rule has no expr: its expressions are generated' });
      if (rule.slo !== undefined && rule.labels?.severity !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['labels', 'severity'], message: 'an slo rule sets severity itself (page and ticket)' });
      }
      if (rule.datapoints_to_alert !== undefined) {
        if (rule.evaluation_periods === undefined) ctx.addIssue({ code: 'custom', path: ['evaluation_periods'], message: 'datapoints_to_alert needs evaluation_periods' });
        else if (rule.datapoints_to_alert > rule.evaluation_periods) {
          ctx.addIssue({ code: 'custom', path: ['datapoints_to_alert'], message: `datapoints_to_alert (${rule.datapoints_to_alert}) must not exceed evaluation_periods (${rule.evaluation_periods})` });
        }
      }
    }),
);

type RuleInput = z.output<typeof ruleInputSchema>;

/** A rule as Vigil stores and evaluates it: `slo` forms are already expanded into expressions. */
export type Rule = Omit<RuleInput, 'expr' | 'slo'> & { expr: string };

/**
 * Expands `slo` rules into ordinary alerting rules at upload, one per severity (page and
 * ticket), so the stored group, the ruler API and /api/v1/rules show the PromQL that runs.
 */
function expandRules(rules: RuleInput[]): Rule[] {
  return rules.flatMap((rule): Rule[] => {
    const { slo, expr, alert, record, ...rest } = rule;
    // The name, then expr, then the rest: the order rule files are written in.
    const head = alert !== undefined ? { alert } : { record };
    if (!slo) return [{ ...head, expr: expr ?? '', ...rest }];
    return SLO_BURN_RATES.map(({ severity }) => ({ ...head, expr: burnRateExpr(slo, severity), ...rest, labels: { ...(rest.labels ?? {}), severity } }));
  });
}

export const ruleGroupSchema = z.lazy(() =>
  z
    .strictObject({
      name: z.string().min(1, 'group name must not be empty'),
      interval: durationString.optional(),
      limit: z.number().int().nonnegative().optional(),
      rules: z.array(ruleInputSchema).default([]).transform(expandRules),
    })
    .superRefine((group, ctx) => {
      // Rule files often repeat an alert name with other labels (a warning and a critical
      // threshold); only a repeat with the same labels is ambiguous, so only that is refused.
      const seen = new Map<string, number>();
      group.rules.forEach((rule, i) => {
        if (rule.alert === undefined) return;
        const identity = JSON.stringify([rule.alert, Object.entries(rule.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
        const first = seen.get(identity);
        if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['rules', i, 'alert'], message: `duplicate alert name "${rule.alert}" with the same labels (first at rules[${first}])` });
        else seen.set(identity, i);
      });
    }),
);

/** A Prometheus rule file: `groups:` with unique group names. */
export const ruleFileSchema = z.lazy(() =>
  z
    .strictObject({ groups: z.array(ruleGroupSchema) })
    .superRefine((file, ctx) => {
      const seen = new Set<string>();
      file.groups.forEach((g, i) => {
        if (seen.has(g.name)) ctx.addIssue({ code: 'custom', path: ['groups', i, 'name'], message: `duplicate group name "${g.name}"` });
        seen.add(g.name);
      });
    }),
);

export type RuleGroup = z.output<typeof ruleGroupSchema>;
export type RuleFile = z.output<typeof ruleFileSchema>;

export const DEFAULT_EVALUATION_INTERVAL_MS = 15_000;

/**
 * A key per alerting rule of a group, stable across uploads: the alert name, and for a later
 * rule repeating a name, the name and its ordinal (`HighLatency#2`), so their alerts stay apart.
 */
export function alertRuleKeys(group: RuleGroup): (string | undefined)[] {
  const count = new Map<string, number>();
  return group.rules.map((rule) => {
    if (rule.alert === undefined) return undefined;
    const n = (count.get(rule.alert) ?? 0) + 1;
    count.set(rule.alert, n);
    return n === 1 ? rule.alert : `${rule.alert}#${n}`;
  });
}

export function groupIntervalMs(group: RuleGroup): number {
  return group.interval ? parseDuration(group.interval) : DEFAULT_EVALUATION_INTERVAL_MS;
}
