import { z } from 'zod';
import { LABEL_NAME_RE, METRIC_NAME_RE } from '../model';
import { parseDuration } from '../alertmanager/config/duration';
import { parsePromQL, PromQLError } from '../promql';
import { checkTemplate } from '../template';

/** A Prometheus duration string (`30s`, `5m`, `1h30m`), validated and kept as written. */
const durationString = z.string().superRefine((s, ctx) => {
  try {
    parseDuration(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid duration "${s}": ${(err as Error).message}` });
  }
});

const templateMap = (what: string) =>
  z.record(z.string().regex(LABEL_NAME_RE, `${what} names must match [a-zA-Z_][a-zA-Z0-9_]*`), z.string()).superRefine((map, ctx) => {
    for (const [key, text] of Object.entries(map)) {
      const problem = checkTemplate(text);
      if (problem) ctx.addIssue({ code: 'custom', path: [key], message: `template error: ${problem}` });
    }
  });

const exprString = z.string().superRefine((expr, ctx) => {
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
});

/** One rule of a Prometheus rule file: an alerting rule (`alert`) or a recording rule (`record`). */
export const ruleSchema = z
  .strictObject({
    alert: z.string().min(1, 'alert name must not be empty').optional(),
    record: z.string().regex(METRIC_NAME_RE, 'record must be a valid metric name').optional(),
    expr: z.union([exprString, z.number().transform(String)]),
    for: durationString.optional(),
    keep_firing_for: durationString.optional(),
    labels: templateMap('label').optional(),
    annotations: templateMap('annotation').optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.alert === undefined && rule.record === undefined) ctx.addIssue({ code: 'custom', message: 'one of "alert" or "record" is required' });
    if (rule.alert !== undefined && rule.record !== undefined) ctx.addIssue({ code: 'custom', message: 'only one of "alert" and "record" may be set' });
    if (rule.record !== undefined) {
      for (const key of ['for', 'keep_firing_for', 'annotations'] as const) {
        if (rule[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `invalid field "${key}" in recording rule` });
      }
    }
  });

export const ruleGroupSchema = z
  .strictObject({
    name: z.string().min(1, 'group name must not be empty'),
    interval: durationString.optional(),
    limit: z.number().int().nonnegative().optional(),
    rules: z.array(ruleSchema).default([]),
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
  });

/** A Prometheus rule file: `groups:` with unique group names. */
export const ruleFileSchema = z
  .strictObject({ groups: z.array(ruleGroupSchema) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.groups.forEach((g, i) => {
      if (seen.has(g.name)) ctx.addIssue({ code: 'custom', path: ['groups', i, 'name'], message: `duplicate group name "${g.name}"` });
      seen.add(g.name);
    });
  });

export type Rule = z.output<typeof ruleSchema>;
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
