import protobuf from 'protobufjs';
import { lazy } from '../../lazy';

/**
 * OTLP metrics v1 (opentelemetry-proto: collector/metrics/v1, metrics/v1, common/v1,
 * resource/v1) — the fields Vigil maps. Parsed without keepCase, so field names are the
 * lowerCamelCase of the OTLP/JSON mapping and one Type decodes protobuf and reads JSON alike.
 * Exemplars and exponential-histogram points are declared without fields: skipped, counted.
 */
export const OTLP_METRICS_PROTO = `
syntax = "proto3";
package opentelemetry.proto;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }

message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message ExportMetricsPartialSuccess { int64 rejected_data_points = 1; string error_message = 2; }
message ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1; }

message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; string schema_url = 3; }
message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; string schema_url = 3; }
message Metric {
  string name = 1;
  string description = 2;
  string unit = 3;
  oneof data {
    Gauge gauge = 5;
    Sum sum = 7;
    Histogram histogram = 9;
    ExponentialHistogram exponential_histogram = 10;
    Summary summary = 11;
  }
}
enum AggregationTemporality {
  AGGREGATION_TEMPORALITY_UNSPECIFIED = 0;
  AGGREGATION_TEMPORALITY_DELTA = 1;
  AGGREGATION_TEMPORALITY_CUMULATIVE = 2;
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; AggregationTemporality aggregation_temporality = 2; bool is_monotonic = 3; }
message Histogram { repeated HistogramDataPoint data_points = 1; AggregationTemporality aggregation_temporality = 2; }
message ExponentialHistogram { repeated ExponentialHistogramDataPoint data_points = 1; AggregationTemporality aggregation_temporality = 2; }
message Summary { repeated SummaryDataPoint data_points = 1; }
message Exemplar {}
message ExponentialHistogramDataPoint {}
message NumberDataPoint {
  repeated KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  oneof value {
    double as_double = 4;
    sfixed64 as_int = 6;
  }
  repeated Exemplar exemplars = 5;
  uint32 flags = 8;
}
message HistogramDataPoint {
  repeated KeyValue attributes = 9;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  repeated fixed64 bucket_counts = 6;
  repeated double explicit_bounds = 7;
  repeated Exemplar exemplars = 8;
  uint32 flags = 10;
  optional double min = 11;
  optional double max = 12;
}
message SummaryDataPoint {
  repeated KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  double sum = 5;
  message ValueAtQuantile { double quantile = 1; double value = 2; }
  repeated ValueAtQuantile quantile_values = 6;
  uint32 flags = 8;
}

message Status { int32 code = 1; string message = 2; }
`;

/** The schema, parsed on first use: parsing the text costs a cold start several milliseconds in every function that bundles ingest. */
const root = lazy(() => protobuf.parse(OTLP_METRICS_PROTO).root);
export const exportRequestType = lazy(() => root().lookupType('opentelemetry.proto.ExportMetricsServiceRequest'));
export const exportResponseType = lazy(() => root().lookupType('opentelemetry.proto.ExportMetricsServiceResponse'));
/** google.rpc.Status, the body of an OTLP/HTTP error response. */
export const statusType = lazy(() => root().lookupType('opentelemetry.proto.Status'));

/**
 * A 64-bit integer as protobufjs hands it over: a Long (exact, from protobuf and from JSON
 * strings), a decimal string, or a number (exact only up to 2^53; codec.ts turns longer JSON
 * integer literals into strings before they can become numbers).
 */
export type Int64 = number | string | { toNumber(): number; toString(): string; div(n: number): { toNumber(): number } };

export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Int64;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: Uint8Array;
  /** protobufjs' oneof getter: the name of the field that is set. */
  value?: 'stringValue' | 'boolValue' | 'intValue' | 'doubleValue' | 'arrayValue' | 'kvlistValue' | 'bytesValue';
}
export interface KeyValue {
  key: string;
  value?: AnyValue;
}
export interface NumberDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  asDouble?: number;
  asInt?: Int64;
  value?: 'asDouble' | 'asInt';
  flags?: number;
}
export interface HistogramDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  count?: Int64;
  sum?: number;
  bucketCounts?: Int64[];
  explicitBounds?: number[];
  flags?: number;
}
export interface SummaryDataPoint {
  attributes?: KeyValue[];
  startTimeUnixNano?: Int64;
  timeUnixNano?: Int64;
  count?: Int64;
  sum?: number;
  quantileValues?: { quantile?: number; value?: number }[];
  flags?: number;
}
export interface Metric {
  name?: string;
  description?: string;
  unit?: string;
  gauge?: { dataPoints?: NumberDataPoint[] };
  sum?: { dataPoints?: NumberDataPoint[]; aggregationTemporality?: number; isMonotonic?: boolean };
  histogram?: { dataPoints?: HistogramDataPoint[]; aggregationTemporality?: number };
  exponentialHistogram?: { dataPoints?: unknown[] };
  summary?: { dataPoints?: SummaryDataPoint[] };
}
export interface ExportRequest {
  resourceMetrics?: {
    resource?: { attributes?: KeyValue[] };
    scopeMetrics?: { scope?: { name?: string; version?: string }; metrics?: Metric[] }[];
  }[];
}

export const TEMPORALITY = { unspecified: 0, delta: 1, cumulative: 2 } as const;

/** An int64 as a float64 sample value: rounded once, to the nearest double, as Go's float64(int64) does. */
export function int64ToNumber(v: Int64 | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  return v.toNumber();
}

/** An int64 in decimal, every digit kept (an attribute's value becomes a label value as text). */
export function int64ToString(v: Int64 | undefined): string {
  if (v === undefined) return '0';
  if (typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : BigInt(Math.trunc(v)).toString();
  if (typeof v === 'string') return DECIMAL.test(v) ? BigInt(v).toString() : v;
  return v.toString();
}

const DECIMAL = /^-?\d+$/;
const NANOS_PER_MS = 1_000_000;

/** Nanoseconds since the epoch to milliseconds, truncated and exact (a double cannot hold epoch nanoseconds). */
export function nanosToMs(v: Int64 | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? floorDiv(v, NANOS_PER_MS) : Math.floor(v / NANOS_PER_MS);
  if (typeof v === 'string') return /^\d+$/.test(v) ? Number(BigInt(v) / 1_000_000n) : NaN;
  return v.div(NANOS_PER_MS).toNumber();
}

/** floor(n / d) for safe integers: the double quotient can round up to the next integer near 2^53. */
function floorDiv(n: number, d: number): number {
  let q = Math.floor(n / d);
  if (q * d > n) q--;
  else if ((q + 1) * d <= n) q++;
  return q;
}
