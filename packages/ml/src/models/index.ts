import { buildAnomalyModel } from './anomaly';
import { buildForecastModel } from './forecast';

export { buildAnomalyModel, erf, robustZReference } from './anomaly';
export { buildForecastModel, FORECAST_QUANTILE_LEVELS, linearTrendReference, NORMAL_QUANTILES } from './forecast';

/** The shipped model files and how each is built; scripts/generate-models.ts writes them. */
export const BUILT_MODELS: readonly { file: string; build: () => Uint8Array }[] = [
  { file: 'robust-z.onnx', build: buildAnomalyModel },
  { file: 'linear-trend.onnx', build: buildForecastModel },
];
