import { parseDuration } from '../../alertmanager/config/duration';
import { AlertRuleError, step, type AlertingRuleSpec, type AlertRecord } from '../../alerting/state';
import { METRIC_NAME, type Labels } from '../../model';
import { EvaluationCache, EvaluationError, evaluateInstant, parsePromQL, PromQLError, STALE_NAN, type Expr, type InstantSample, type InstantValue, type SeriesSource } from '../../promql';
import type { Rule, RuleGroup } from '../schema';
import { ruleSpecExtensions, ruleStepOptions } from '../alert-inputs';
import { seriesKey, type AppendSample } from './memory';

/** The series Prometheus writes for every pending and firing alert. */
export const ALERTS_METRIC = 'ALERTS';
export const ALERTS_FOR_STATE_METRIC = 'ALERTS_FOR_STATE';
export const ALERT_STATE_LABEL = 'alertstate';

export interface SampleSink {
  appendAll(samples: readonly AppendSample[]): void;
}

type KeyedSample = AppendSample & { key: string };

export interface RuleOutcome {
  name: string;
  kind: 'alert' | 'record';
  error?: string;
}

interface CompiledRule {
  rule: Rule;
  name: string;
  expr: Expr;
  spec?: AlertingRuleSpec;
  alerts: AlertRecord[];
  /** Series this rule wrote at its last successful evaluation, for staleness markers. */
  written: Map<string, Labels>;
}

export interface GroupEngineOptions {
  externalLabels?: Record<string, string>;
  externalURL?: string;
  /** Step of subqueries written without one (Prometheus: the global evaluation interval). */
  subqueryStepMs?: number;
}

/**
 * A rule's query, as Prometheus' EngineQueryFunc: a vector as it is, a scalar as one sample
 * without labels, anything else an error.
 */
export async function instantQuery(expr: Expr, ts: number, source: SeriesSource, subqueryStepMs?: number, cache?: EvaluationCache): Promise<InstantSample[]> {
  const options = { ...(subqueryStepMs ? { defaultSubqueryStepMs: subqueryStepMs } : {}), ...(cache ? { cache } : {}) };
  const result = (await evaluateInstant(expr, ts, source, options)) as InstantValue | undefined;
  if (result?.type === 'vector') return result.samples;
  if (result?.type === 'scalar') return [{ labels: {}, value: result.value }];
  throw new RuleEvaluationError(result ? 'rule result is not a vector or scalar' : 'expression cannot be evaluated');
}

interface AlertSeriesLabels {
  rule: string;
  fingerprint: string;
  pending: Labels;
  firing: Labels;
  forState: Labels;
  /** Within one rule an alert's fingerprint (and state) identify its series; no need to hash labels again. */
  pendingKey: string;
  firingKey: string;
  forStateKey: string;
}

const alertSeries = new WeakMap<Labels, AlertSeriesLabels>();

/**
 * The labels of an alert's `ALERTS` and `ALERTS_FOR_STATE` series. An alert keeps its label
 * object from evaluation to evaluation, so they are built once per alert, not at every
 * evaluation (label sets are never mutated once built).
 */
function alertSeriesLabels(a: AlertRecord, rule: string): AlertSeriesLabels {
  const hit = alertSeries.get(a.labels);
  if (hit?.rule === rule && hit.fingerprint === a.fingerprint) return hit;
  const alerts = (state: string): Labels => ({ ...a.labels, [METRIC_NAME]: ALERTS_METRIC, alertname: rule, [ALERT_STATE_LABEL]: state });
  const built = {
    rule,
    fingerprint: a.fingerprint,
    pending: alerts('pending'),
    firing: alerts('firing'),
    forState: { ...a.labels, [METRIC_NAME]: ALERTS_FOR_STATE_METRIC, alertname: rule },
    pendingKey: `A${a.fingerprint}pending`,
    firingKey: `A${a.fingerprint}firing`,
    forStateKey: `F${a.fingerprint}`,
  };
  alertSeries.set(a.labels, built);
  return built;
}

/** Errors a rule may raise while evaluating; anything else is a fault of ours and propagates. */
function isRuleError(err: unknown): err is Error {
  return err instanceof PromQLError || err instanceof EvaluationError || err instanceof AlertRuleError || err instanceof RuleEvaluationError;
}

export class RuleEvaluationError extends Error {}

/**
 * One rule group evaluated as Prometheus' rules.Group does: rules in order, each reading what
 * the rules before it wrote at the same timestamp; recording rules write their series; alerting
 * rules step the alert state machine and write `ALERTS` and `ALERTS_FOR_STATE`; a series a rule
 * stops producing gets a staleness marker; `limit` fails a rule that yields too many series or
 * alerts. State lives in memory; this is the engine for virtual-time evaluation (unit tests,
 * backtests, benchmarks).
 */
export class RuleGroupEngine {
  private readonly rules: CompiledRule[];

  constructor(
    readonly group: RuleGroup,
    private readonly source: SeriesSource,
    private readonly sink: SampleSink,
    private readonly options: GroupEngineOptions = {},
  ) {
    this.rules = group.rules.map((rule) => {
      const name = rule.alert ?? rule.record!;
      const compiled: CompiledRule = { rule, name, expr: parsePromQL(rule.expr), alerts: [], written: new Map() };
      if (rule.alert !== undefined) {
        compiled.spec = {
          key: rule.alert,
          name: rule.alert,
          forMs: rule.for ? parseDuration(rule.for) : 0,
          keepFiringForMs: rule.keep_firing_for ? parseDuration(rule.keep_firing_for) : 0,
          labels: rule.labels ?? {},
          annotations: rule.annotations ?? {},
          externalLabels: options.externalLabels,
          externalURL: options.externalURL,
          ...ruleSpecExtensions(rule),
        };
      }
      return compiled;
    });
  }

  get name(): string {
    return this.group.name;
  }

  /** Current alerts of the alerting rules named `name` (pending, firing and retained resolved ones). */
  alerts(name: string): AlertRecord[] {
    return this.rules.filter((r) => r.spec && r.name === name).flatMap((r) => r.alerts);
  }

  /** Evaluates every rule at `ts`, writing their output to the sink; returns each rule's outcome. */
  async evaluate(ts: number): Promise<RuleOutcome[]> {
    const outcomes: RuleOutcome[] = [];
    // Rules of a group often share selectors and subexpressions: each is computed once per instant.
    const cache = new EvaluationCache();
    for (const r of this.rules) {
      const kind = r.spec ? 'alert' : 'record';
      try {
        const samples = await this.evalRule(r, ts, cache);
        const written = new Map<string, Labels>();
        for (const s of samples) written.set(s.key, s.labels);
        const stale: AppendSample[] = [];
        for (const [key, labels] of r.written) if (!written.has(key)) stale.push({ labels, t: ts, v: STALE_NAN });
        this.sink.appendAll(samples);
        this.sink.appendAll(stale);
        // The next rule must see what this one wrote, not a result computed before the write.
        cache.invalidate([...written.values(), ...stale.map((s) => s.labels)]);
        r.written = written;
        outcomes.push({ name: r.name, kind });
      } catch (err) {
        if (!isRuleError(err)) throw err;
        outcomes.push({ name: r.name, kind, error: err.message });
      }
    }
    return outcomes;
  }

  private query(r: CompiledRule, ts: number, cache: EvaluationCache): Promise<InstantSample[]> {
    return instantQuery(r.expr, ts, this.source, this.options.subqueryStepMs, cache);
  }

  /** The rule's output samples, each with a key that identifies its series within this rule. */
  private async evalRule(r: CompiledRule, ts: number, cache: EvaluationCache): Promise<KeyedSample[]> {
    const vector = await this.query(r, ts, cache);
    const limit = this.group.limit ?? 0;
    if (!r.spec) {
      const out: KeyedSample[] = [];
      const seen = new Set<string>();
      for (const s of vector) {
        const labels: Labels = { ...s.labels, [METRIC_NAME]: r.name };
        for (const [k, v] of Object.entries(r.rule.labels ?? {})) {
          if (v === '') delete labels[k];
          else labels[k] = v;
        }
        const key = seriesKey(labels);
        if (seen.has(key)) throw new RuleEvaluationError('vector contains metrics with the same labelset after applying rule labels');
        seen.add(key);
        out.push({ labels, t: ts, v: s.value, key });
      }
      if (limit > 0 && out.length > limit) throw new RuleEvaluationError(`exceeded limit of ${limit} with ${out.length} series`);
      return out;
    }
    const stepOptions = await ruleStepOptions(r.rule, vector, r.alerts, ts, this.source, (e) => instantQuery(e, ts, this.source, this.options.subqueryStepMs, cache), undefined, true, { cache });
    const result = step(r.spec, r.alerts, vector, ts, stepOptions);
    const active = result.alerts.filter((a) => a.state !== 'inactive');
    if (limit > 0 && active.length > limit) {
      // As Prometheus: over the limit the rule fails and forgets all its alerts.
      r.alerts = [];
      throw new RuleEvaluationError(`exceeded limit of ${limit} with ${active.length} alerts`);
    }
    r.alerts = result.alerts;
    const out: KeyedSample[] = [];
    for (const a of active) {
      const series = alertSeriesLabels(a, r.name);
      const firing = a.state === 'firing';
      out.push({ labels: firing ? series.firing : series.pending, t: ts, v: 1, key: firing ? series.firingKey : series.pendingKey });
      out.push({ labels: series.forState, t: ts, v: Math.floor(a.activeAt / 1000), key: series.forStateKey });
    }
    return out;
  }
}
