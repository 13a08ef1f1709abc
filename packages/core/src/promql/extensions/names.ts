import { formatDuration, parseDuration } from '../../alertmanager/config/duration';

/**
 * The series the predict handler writes and the extension functions read. This is the contract
 * between the two: predict writes, per source series (its labels without `__name__`):
 *
 *   vigil_anomaly_score{<source labels>, source_metric="<name>"}                      in [0, 1]
 *   vigil_forecast{<source labels>, source_metric="<name>", horizon="4h", bound="max"|"min", quantile="0.9"}
 *
 * where a forecast sample is that quantile of the predicted maximum (or minimum) of the source
 * series over (now, now + horizon].
 */
export const ANOMALY_SCORE_METRIC = 'vigil_anomaly_score';
export const FORECAST_METRIC = 'vigil_forecast';
export const DRIFT_SCORE_METRIC = 'vigil_drift_score';
export const SOURCE_METRIC_LABEL = 'source_metric';
export const HORIZON_LABEL = 'horizon';
export const BOUND_LABEL = 'bound';
export const QUANTILE_LABEL = 'quantile';

/** The quantiles predict writes for each forecast. */
export const FORECAST_QUANTILES: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];

/**
 * How far back the extension functions look for predict's latest sample. Predict runs on its own
 * cadence, slower than rule evaluation, so the 5-minute lookback of an instant selector would
 * lose its output between runs; a score older than this is treated as absent.
 */
export const ML_LOOKBACK_MS = 15 * 60_000;

/** Labels of predict's anomaly series that are not the source series' own. */
export const ANOMALY_LABELS: ReadonlySet<string> = new Set(['__name__', SOURCE_METRIC_LABEL]);

/** Labels of predict's forecast series that describe the prediction rather than the source series. */
export const PREDICTION_LABELS: ReadonlySet<string> = new Set(['__name__', SOURCE_METRIC_LABEL, HORIZON_LABEL, BOUND_LABEL, QUANTILE_LABEL]);

/**
 * The one spelling of a horizon in the `horizon` label: Prometheus' own duration format
 * (`4h`, `1h30m`, `1d`), so `"240m"` in a rule and `4h` written by predict are the same horizon.
 * Predict formats the horizons it is asked for (in ms) with this function.
 */
export function formatHorizon(ms: number): string {
  return formatDuration(ms);
}

/** Milliseconds of a horizon string; throws with Prometheus' wording when it is not a duration. */
export function parseHorizon(text: string): number {
  return parseDuration(text);
}
