import * as z from 'zod';
import { LABEL_NAME_RE } from '../model';
import { parsePromQL, PromQLError } from '../promql';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

/**
 * The multi-window, multi-burn-rate SLO alerts of the Google SRE workbook ("Alerting on SLOs",
 * table 5-8): each severity fires when the error ratio exceeds `factor` × the error budget over
 * both a long and a short window of either of its two pairs; the short window makes the alert
 * stop soon after the burning stops.
 */
export const SLO_BURN_RATES = [
  { severity: 'page', windows: [{ factor: 14.4, long: '1h', short: '5m' }, { factor: 6, long: '6h', short: '30m' }] },
  { severity: 'ticket', windows: [{ factor: 3, long: '1d', short: '2h' }, { factor: 1, long: '3d', short: '6h' }] },
] as const;

/** Where a window goes in an SLO expression written out in full. */
export const WINDOW_PLACEHOLDER = '$window';

/** The error ratio's numerator or denominator: a counter selector, or PromQL with `[$window]`. */
const sloSeries = z.lazy(() =>
  z.string().superRefine((text, ctx) => {
    const kind = seriesKind(text);
    if (kind.problem) ctx.addIssue({ code: 'custom', message: kind.problem });
  }),
);

export const sloSchema = z.lazy(() =>
  z.strictObject({
    /** The target fraction of good events, e.g. 0.999. */
    objective: z.number().gt(0, 'objective must be between 0 and 1 (e.g. 0.999)').lt(1, 'objective must be between 0 and 1 (e.g. 0.999)'),
    errors: sloSeries,
    total: sloSeries,
    /** Labels to keep when a selector is summed (each value gets its own alert). */
    by: z.array(z.string().regex(LABEL_NAME_RE, 'label names must match [a-zA-Z_][a-zA-Z0-9_]*')).default([]),
  }),
);
export type Slo = z.output<typeof sloSchema>;

function seriesKind(text: string): { selector?: boolean; problem?: string } {
  try {
    const expr = parsePromQL(text);
    if (expr.kind === 'VectorSelector') return { selector: true };
  } catch (err) {
    if (!(err instanceof PromQLError)) throw err;
    if (!text.includes(WINDOW_PLACEHOLDER)) return { problem: `invalid PromQL: ${err.message}` };
  }
  if (!text.includes(WINDOW_PLACEHOLDER)) {
    return { problem: `must be a counter selector (e.g. http_requests_total{code=~"5.."}) or an expression with [${WINDOW_PLACEHOLDER}] where the window goes` };
  }
  try {
    parsePromQL(withWindow(text, '5m'));
    return {};
  } catch (err) {
    if (!(err instanceof PromQLError)) throw err;
    return { problem: `invalid PromQL with ${WINDOW_PLACEHOLDER}=5m: ${err.message}` };
  }
}

function withWindow(text: string, window: string): string {
  return text.split(WINDOW_PLACEHOLDER).join(window);
}

/** The PromQL of one side of the error ratio over a window. */
function seriesOver(text: string, window: string, by: readonly string[]): string {
  if (seriesKind(text).selector) return `sum${by.length > 0 ? ` by (${by.join(', ')})` : ''} (rate(${text.trim()}[${window}]))`;
  return `(${withWindow(text.trim(), window)})`;
}

/** The error ratio over a window: errors / total. */
export function errorRatio(slo: Slo, window: string): string {
  return `${seriesOver(slo.errors, window, slo.by)} / ${seriesOver(slo.total, window, slo.by)}`;
}

/** 1 - objective without float noise (1 - 0.999 is 0.0010000000000000009). */
export function errorBudget(objective: number): number {
  return Number((1 - objective).toPrecision(12));
}

/** The alert expression of one severity: either window pair burning, both of its windows. */
export function burnRateExpr(slo: Slo, severity: 'page' | 'ticket'): string {
  const budget = errorBudget(slo.objective);
  const spec = SLO_BURN_RATES.find((s) => s.severity === severity)!;
  const pairs = spec.windows.map(
    (w) => `(\n  ${errorRatio(slo, w.long)} > (${w.factor} * ${budget})\n  and\n  ${errorRatio(slo, w.short)} > (${w.factor} * ${budget})\n)`,
  );
  return `${pairs.join('\nor\n')}\n`;
}
