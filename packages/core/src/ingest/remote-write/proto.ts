import protobuf from 'protobufjs';
import { lazy } from '../../lazy';

/**
 * Prometheus remote write 1.0 (`prometheus.WriteRequest`, prompb/remote.proto and types.proto):
 * the fields Vigil reads. Native histograms and exemplars are declared without their fields so
 * the decoder counts them and skips their bytes.
 */
export const REMOTE_WRITE_PROTO = `
syntax = "proto3";
package prometheus;

message WriteRequest {
  repeated TimeSeries timeseries = 1;
  repeated MetricMetadata metadata = 3;
}

message MetricMetadata {
  enum MetricType {
    UNKNOWN = 0;
    COUNTER = 1;
    GAUGE = 2;
    HISTOGRAM = 3;
    GAUGEHISTOGRAM = 4;
    SUMMARY = 5;
    INFO = 6;
    STATESET = 7;
  }
  MetricType type = 1;
  string metric_family_name = 2;
  string help = 4;
  string unit = 5;
}

message Sample {
  double value = 1;
  int64 timestamp = 2;
}

message Exemplar {
  repeated Label labels = 1;
  double value = 2;
  int64 timestamp = 3;
}

message Histogram {}

message TimeSeries {
  repeated Label labels = 1;
  repeated Sample samples = 2;
  repeated Exemplar exemplars = 3;
  repeated Histogram histograms = 4;
}

message Label {
  string name = 1;
  string value = 2;
}
`;

/** Parsed on first use (encoding; decoding walks the wire format itself): the parse costs a cold start several milliseconds. */
export const writeRequestType = lazy(() => protobuf.parse(REMOTE_WRITE_PROTO, { keepCase: true }).root.lookupType('prometheus.WriteRequest'));

export const METRIC_TYPES = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

/** protobufjs' decoded shapes (int64 arrive as Long objects or numbers). */
export type Int64 = number | { toNumber(): number };
export interface PbLabel {
  name: string;
  value: string;
}
export interface PbSample {
  value: number;
  timestamp: Int64;
}
export interface PbTimeSeries {
  labels: PbLabel[];
  samples: PbSample[];
  exemplars: unknown[];
  histograms: unknown[];
}
export interface PbMetadata {
  type: number;
  metric_family_name: string;
  help: string;
  unit: string;
}
export interface PbWriteRequest {
  timeseries: PbTimeSeries[];
  metadata: PbMetadata[];
}

export const toNumber = (v: Int64 | undefined): number => (v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());
