import * as z from 'zod';
import { LABEL_NAME_RE, METRIC_NAME, METRIC_NAME_RE, type Labels } from './labels';

/** Limits per series, as Mimir's defaults: they keep one bad client from flooding the index. */
export const SERIES_LIMITS = {
  maxLabelNames: 30,
  maxLabelNameLength: 1024,
  maxLabelValueLength: 2048,
} as const;

// The schemas are z.lazy: built at their first parse rather than at module load, which every
// function's cold start pays for (see docs/DEPLOY.md, cold starts). A batch parses every sample
// with them, so the batch schema is built from the builders below rather than from the lazy
// schemas: a z.lazy inside a schema adds a step to each value it parses (10% on 100k samples).

const timestamp = () =>
  z.union([
    z.number().int('must be an integer number of milliseconds').nonnegative().max(8.64e15),
    z.iso.datetime({ offset: true, message: 'must be epoch milliseconds or an RFC 3339 timestamp' }).transform((s) => Date.parse(s)),
  ]);

const metricName = () =>
  z
    .string()
    .min(1, 'metric name must not be empty')
    .max(SERIES_LIMITS.maxLabelValueLength)
    .regex(METRIC_NAME_RE, 'metric names must match [a-zA-Z_:][a-zA-Z0-9_:]*');

const labelName = () =>
  z
    .string()
    .max(SERIES_LIMITS.maxLabelNameLength)
    .regex(LABEL_NAME_RE, 'label names must match [a-zA-Z_][a-zA-Z0-9_]*')
    .refine((n) => !n.startsWith('__'), 'label names starting with "__" are reserved');

const jsonSample = () =>
  z.object({
    metric: metricName(),
    labels: z
      .record(labelName(), z.string().max(SERIES_LIMITS.maxLabelValueLength))
      .default({})
      .refine((l) => Object.keys(l).length < SERIES_LIMITS.maxLabelNames, `at most ${SERIES_LIMITS.maxLabelNames - 1} labels besides the metric name`),
    // zod refuses ±Infinity itself (JSON's 1e999 parses to it): say so rather than "not a number".
    value: z.number({ error: (issue) => (typeof issue.input === 'number' ? 'must be a finite number' : 'must be a number') }),
    timestamp: timestamp(),
  });

/** A timestamp in epoch milliseconds, or an RFC 3339 string. */
export const timestampSchema = z.lazy(timestamp);

export const metricNameSchema = z.lazy(metricName);

/** One sample of the plain JSON batch format (`POST /v1/metrics`). */
export const jsonSampleSchema = z.lazy(jsonSample);

export const jsonBatchSchema = z.lazy(() =>
  z.object({
    samples: z.array(jsonSample()).min(1, 'at least one sample is required').max(100_000, 'at most 100000 samples per batch'),
  }),
);

export type JsonBatch = z.output<typeof jsonBatchSchema>;

/** The normalised form every ingest path produces: labels include __name__. */
export interface Sample {
  labels: Labels;
  t: number;
  v: number;
}

export function samplesFromJsonBatch(batch: JsonBatch): Sample[] {
  return batch.samples.map((s) => ({ labels: { ...s.labels, [METRIC_NAME]: s.metric }, t: s.timestamp, v: s.value }));
}
