export * from './ast';
export { PromQLError, EvaluationError, lineColumn } from './errors';
export { MAX_DEPTH, MAX_QUERY_BYTES } from './limits';
export { parsePromQL } from './parser';
export { compileMatcher, compileRegex, labelValue, matchesAll, regexError, RegexSyntaxError, type MatchFn } from './matchers';
export { isStaleMarker, STALE_NAN, type SamplePoint, type SeriesData, type SeriesSource } from './source';
export {
  DEFAULT_LOOKBACK_MS,
  DEFAULT_SUBQUERY_STEP_MS,
  EvaluationCache,
  evaluateInstant,
  evaluateQuery,
  formatLabelSet,
  valueAt,
  type EvaluateOptions,
  type InstantSample,
  type InstantValue,
  type QueryValue,
  type RangeSample,
} from './evaluator';
export { FUNCTION_SIGNATURES, type FunctionSignature } from './signatures';
