import { yamlLib } from '../../yaml';
import { parseWith } from '../../errors';
import { ruleGroupSchema, type Rule, type RuleGroup } from '../schema';
import { conditionListSchema, conditionSchema, conditionsRequestSchema, type Condition } from './schema';

export const DEFAULT_CONDITIONS_GROUP = 'conditions';
export const DEFAULT_CONDITIONS_NAMESPACE = 'conditions';

/** PromQL number text; JSON numbers are finite, and String() gives a form PromQL parses. */
const num = (n: number) => String(n);

function selector(c: Condition): string {
  const metric = c.metric_path.split('.').pop()!;
  const matchers = Object.entries(c.match ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return matchers.length > 0 ? `${metric}{${matchers.join(', ')}}` : metric;
}

/** The alert expression and, when the condition has a recovery level, its `keep_firing_while`. */
function expressions(c: Condition): { expr: string; keepFiringWhile?: string } {
  const sel = selector(c);
  switch (c.type) {
    case 'threshold':
      return {
        expr: `${sel} ${c.operator} ${num(c.threshold)}`,
        ...(c.recovery_threshold !== undefined ? { keepFiringWhile: `${sel} ${c.operator} ${num(c.recovery_threshold)}` } : {}),
      };
    case 'anomaly':
      return {
        expr: `anomaly_score(${sel}) ${c.operator} ${num(c.threshold)}`,
        ...(c.recovery_threshold !== undefined ? { keepFiringWhile: `anomaly_score(${sel}) ${c.operator} ${num(c.recovery_threshold)}` } : {}),
      };
    case 'forecast': {
      const fn = c.operator === '>' || c.operator === '>=' ? 'forecast_breach_probability' : 'forecast_drop_probability';
      return { expr: `${fn}(${sel}, ${JSON.stringify(c.horizon)}, ${num(c.threshold)}) > ${num(c.probability)}` };
    }
  }
}

/** One condition as a Prometheus-shaped alerting rule (alert, expr, for, labels, annotations). */
export function conditionToRule(c: Condition): Rule {
  const { expr, keepFiringWhile } = expressions(c);
  const rule: Rule = { alert: c.name, expr };
  if (c.for !== undefined) rule.for = c.for;
  const labels: Record<string, string> = {};
  if (c.severity !== undefined) labels.severity = c.severity;
  if (c.category !== undefined) labels.category = c.category;
  if (Object.keys(labels).length > 0) rule.labels = labels;
  const annotations: Record<string, string> = {};
  if (c.summary !== undefined) annotations.summary = c.summary;
  if (c.description !== undefined) annotations.description = c.description;
  if (Object.keys(annotations).length > 0) rule.annotations = annotations;
  if (keepFiringWhile !== undefined) rule.keep_firing_while = keepFiringWhile;
  if (c.no_data !== undefined) rule.no_data = c.no_data === 'not_breaching' ? 'notBreaching' : c.no_data;
  if (c.evaluation_periods !== undefined) rule.evaluation_periods = c.evaluation_periods;
  if (c.datapoints_to_alert !== undefined) rule.datapoints_to_alert = c.datapoints_to_alert;
  return rule;
}

export interface ConditionsRequest {
  conditions: Condition[];
  namespace?: string;
  group?: string;
  /** How the body was written, so a later check can name the field as the client wrote it. */
  pathOf: (index: number, field: string) => string;
}

/** Reads a JSON body (one condition, an array, or `{namespace, group, conditions}`), with field paths on errors. */
export function parseConditionsRequest(body: unknown): ConditionsRequest {
  // Told apart by shape, so errors name the fields of the form the client used.
  if (Array.isArray(body)) return { conditions: parseWith(conditionListSchema, body), pathOf: (i, f) => `[${i}].${f}` };
  if (typeof body === 'object' && body !== null && 'conditions' in body) {
    return { ...parseWith(conditionsRequestSchema, body), pathOf: (i, f) => `conditions[${i}].${f}` };
  }
  return { conditions: [parseWith(conditionSchema, body)], pathOf: (_i, f) => f };
}

/**
 * The rule group that holds the converted conditions: `existing` (if any) with its rules of the
 * same alert names replaced, validated as any uploaded group is (duplicates, PromQL, fields).
 */
export function conditionsGroup(conditions: readonly Condition[], name: string, existing?: RuleGroup): RuleGroup {
  const rules = conditions.map(conditionToRule);
  const names = new Set(rules.map((r) => r.alert));
  const kept = (existing?.rules ?? []).filter((r) => r.alert === undefined || !names.has(r.alert));
  return parseWith(ruleGroupSchema, { ...(existing ?? {}), name, rules: [...kept, ...rules] });
}

/** The group as the YAML a rule file or the ruler API carries. */
export function ruleGroupYaml(group: RuleGroup): string {
  return yamlLib().stringify({ groups: [group] }, { lineWidth: 0 });
}
