import { gzipSync } from 'node:zlib';
import { ValidationError } from '../../errors';
import { isStaleMarker } from '../../promql/source';
import { IngestProtocolError } from '../errors';
import { decodeOtlp, encodeOtlpResponse, otlpBody, otlpFormat } from './codec';
import { formatGoFloatF, labelName, metricFamilyName } from './names';
import { exportRequestType, exportResponseType, type ExportRequest } from './proto';
import { translate } from './translate';

const NS = 1_763_800_000_000n * 1_000_000n + 123_456n; // an epoch in ns with sub-ms digits
const MS = 1_763_800_000_000;

describe('OTLP names (Prometheus 2.x otlptranslator, suffixes on)', () => {
  it.each([
    ['system.filesystem.usage', 'By', 'gauge', 'system_filesystem_usage_bytes'],
    ['active_directory.ds.replication.network.io', 'By', 'counter', 'active_directory_ds_replication_network_io_bytes_total'],
    ['system.cpu.utilization', '1', 'gauge', 'system_cpu_utilization_ratio'],
    ['system.network.packets', '{packets}', 'counter', 'system_network_packets_total'],
    ['network.transmit', 'By/s', 'gauge', 'network_transmit_bytes_per_second'],
    ['http.server.request.duration', 's', 'histogram', 'http_server_request_duration_seconds'],
    ['requests.total', '', 'counter', 'requests_total'],
    ['latency_seconds', 's', 'gauge', 'latency_seconds'],
    ['2xx.responses', '', 'gauge', '_2xx_responses'],
    ['temperature', 'Cel', 'gauge', 'temperature_celsius'],
    ['queue.size', 'items', 'sum', 'queue_size_items'],
    ['ratio', '1', 'counter', 'ratio_total'],
  ] as const)('%s [%s] as %s → %s', (name, unit, kind, expected) => {
    expect(metricFamilyName(name, unit, kind)).toBe(expected);
  });

  it.each([
    ['http.method', 'http_method'],
    ['0abc', 'key_0abc'],
    ['_private', 'key_private'],
    ['__reserved', '__reserved'],
    ['valid_name', 'valid_name'],
    ['k8s/pod-name', 'k8s_pod_name'],
  ])('label %s → %s', (key, expected) => expect(labelName(key)).toBe(expected));

  it('prints bounds as Go does', () => {
    expect(formatGoFloatF(0.005)).toBe('0.005');
    expect(formatGoFloatF(1e-7)).toBe('0.0000001');
    expect(formatGoFloatF(1e21)).toBe('1000000000000000000000');
    expect(formatGoFloatF(250)).toBe('250');
    expect(formatGoFloatF(Infinity)).toBe('+Inf');
  });
});

const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });

function request(): Record<string, unknown> {
  const t = NS.toString();
  return {
    resourceMetrics: [
      {
        resource: { attributes: [kv('service.name', 'checkout'), kv('service.namespace', 'shop'), kv('service.instance.id', 'pod-1'), kv('host.name', 'node-7'), { key: 'k8s.replicas', value: { intValue: '3' } }] },
        scopeMetrics: [
          {
            scope: { name: 'my.library', version: '1.0' },
            metrics: [
              { name: 'queue.depth', unit: '{items}', gauge: { dataPoints: [{ timeUnixNano: t, asInt: '17', attributes: [kv('queue', 'orders')] }] } },
              { name: 'http.requests', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ timeUnixNano: t, asDouble: 42, attributes: [kv('http.method', 'GET')] }] } },
              { name: 'pool.in_use', sum: { aggregationTemporality: 2, isMonotonic: false, dataPoints: [{ timeUnixNano: t, asInt: '-2' }] } },
              {
                name: 'rpc.duration',
                unit: 'ms',
                histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: t, count: '6', sum: 320.5, bucketCounts: ['1', '2', '3'], explicitBounds: [10, 100] }] },
              },
              { name: 'gc.pause', unit: 's', summary: { dataPoints: [{ timeUnixNano: t, count: '4', sum: 0.5, quantileValues: [{ quantile: 0.5, value: 0.1 }, { quantile: 0.99, value: 0.3 }] }] } },
              { name: 'exp', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{}, {}] } },
              { name: 'gone', gauge: { dataPoints: [{ timeUnixNano: t, flags: 1 }] } },
            ],
          },
        ],
      },
    ],
  };
}

function seriesMap(req: ExportRequest) {
  const out = translate(req);
  const map: Record<string, number> = {};
  for (const s of out.series) {
    const { __name__, ...rest } = s.labels;
    const key = `${__name__}{${Object.entries(rest).sort().map(([k, v]) => `${k}="${v}"`).join(',')}}`;
    map[key] = s.samples[0]!.v;
    expect(s.samples[0]!.t).toBe(MS);
  }
  return { map, out };
}

describe('OTLP translation', () => {
  const id = 'instance="pod-1",job="shop/checkout"';

  it('maps metrics, resource and attributes as Prometheus does, from JSON and protobuf alike', () => {
    const fromJson = decodeOtlp(new TextEncoder().encode(JSON.stringify(request())), 'json');
    const proto = exportRequestType().encode(exportRequestType().fromObject(request())).finish();
    const fromProto = decodeOtlp(proto, 'protobuf');
    for (const req of [fromJson, fromProto]) {
      const { map, out } = seriesMap(req);
      expect(Object.keys(map).filter((k) => !k.startsWith('gone'))).toHaveLength(13);
      expect(map).toMatchObject({
        [`queue_depth{${id},queue="orders"}`]: 17,
        [`http_requests_total{http_method="GET",${id}}`]: 42,
        [`pool_in_use{${id}}`]: -2,
        [`rpc_duration_milliseconds_bucket{${id},le="10"}`]: 1,
        [`rpc_duration_milliseconds_bucket{${id},le="100"}`]: 3,
        [`rpc_duration_milliseconds_bucket{${id},le="+Inf"}`]: 6,
        [`rpc_duration_milliseconds_sum{${id}}`]: 320.5,
        [`rpc_duration_milliseconds_count{${id}}`]: 6,
        [`gc_pause_seconds{${id},quantile="0.5"}`]: 0.1,
        [`gc_pause_seconds{${id},quantile="0.99"}`]: 0.3,
        [`gc_pause_seconds_sum{${id}}`]: 0.5,
        [`gc_pause_seconds_count{${id}}`]: 4,
        [`target_info{host_name="node-7",${id},k8s_replicas="3"}`]: 1,
      });
      expect(isStaleMarker(map[`gone{${id}}`]!)).toBe(true);
      expect(out.rejected).toBe(2);
      expect(out.reasons.join()).toContain('exponential histogram "exp"');
      expect(out.metadata).toContainEqual({ metric: 'http_requests_total', type: 'counter', help: '', unit: '' });
      expect(out.metadata).toContainEqual({ metric: 'rpc_duration_milliseconds', type: 'histogram', help: '', unit: 'milliseconds' });
    }
  });

  it('returns delta sums and histograms for the accumulator instead of series', () => {
    const req = request() as any;
    req.resourceMetrics[0].scopeMetrics[0].metrics[1].sum.aggregationTemporality = 1;
    const out = translate(decodeOtlp(new TextEncoder().encode(JSON.stringify(req)), 'json'));
    expect(out.deltas).toEqual([{ kind: 'sum', labels: { __name__: 'http_requests_total', http_method: 'GET', job: 'shop/checkout', instance: 'pod-1' }, t: MS, value: 42 }]);
    expect(out.series.some((s) => s.labels.__name__ === 'http_requests_total')).toBe(false);
  });

  it('merges attributes that collide once sanitised, in key order, and drops empty values', () => {
    const req = { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: [{ timeUnixNano: NS.toString(), asDouble: 1, attributes: [kv('a.b', '2'), kv('a-b', '1'), kv('e', '')] }] } }] }] }] };
    const out = translate(decodeOtlp(new TextEncoder().encode(JSON.stringify(req)), 'json'));
    expect(out.series[0]!.labels).toEqual({ __name__: 'm', a_b: '1;2' });
  });
});

describe('OTLP codec', () => {
  it('chooses the encoding from Content-Type and refuses others with 415', () => {
    expect(otlpFormat('application/x-protobuf')).toBe('protobuf');
    expect(otlpFormat('application/json; charset=utf-8')).toBe('json');
    expect(() => otlpFormat('text/plain')).toThrow(IngestProtocolError);
    expect(() => otlpBody(new Uint8Array([1]), 'br')).toThrow(/unsupported Content-Encoding/);
  });

  it('gunzips, and refuses corrupt gzip with a 400', () => {
    const text = JSON.stringify(request());
    expect(Buffer.from(otlpBody(gzipSync(text), 'gzip')).toString()).toBe(text);
    expect(() => otlpBody(new Uint8Array([0x1f, 0x8b, 1, 2, 3]), 'gzip')).toThrow(ValidationError);
  });

  it('refuses malformed protobuf and JSON with a 400', () => {
    const proto = exportRequestType().encode(exportRequestType().fromObject(request())).finish();
    expect(() => decodeOtlp(proto.subarray(0, proto.length - 5), 'protobuf')).toThrow(/malformed protobuf/);
    expect(() => decodeOtlp(new TextEncoder().encode('{"resourceMetrics": ['), 'json')).toThrow(/malformed JSON/);
    expect(() => decodeOtlp(new TextEncoder().encode('{"resourceMetrics": 5}'), 'json')).toThrow(/invalid ExportMetricsServiceRequest/);
  });

  it('answers partial success in both encodings', () => {
    const json = encodeOtlpResponse('json', 2, 'two rejected');
    expect(JSON.parse(json.body as string)).toEqual({ partialSuccess: { rejectedDataPoints: '2', errorMessage: 'two rejected' } });
    const proto = encodeOtlpResponse('protobuf', 2, 'two rejected');
    const decoded = exportResponseType().toObject(exportResponseType().decode(proto.body as Uint8Array), { longs: Number });
    expect(decoded).toEqual({ partialSuccess: { rejectedDataPoints: 2, errorMessage: 'two rejected' } });
    expect(encodeOtlpResponse('json', 0, '').body).toBe('{}');
  });
});

describe('OTLP 64-bit integers', () => {
  const point = (fields: string) => `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[{${fields}}]}}]}]}]}`;
  const fromJson = (text: string) => translate(decodeOtlp(new TextEncoder().encode(text), 'json'));
  // 1763800000123.999999 ms: as a double this is 1763800000124000000 ns, a millisecond later.
  const LATE_NS = '1763800000123999999';

  it('reads timeUnixNano above 2^53 exactly, from a JSON string, a JSON number and protobuf', () => {
    expect(Math.floor(JSON.parse(LATE_NS) / 1e6)).toBe(1763800000124); // what a plain JSON.parse would store
    const proto = exportRequestType().encode(exportRequestType().fromObject(JSON.parse(point(`"timeUnixNano":"${LATE_NS}","asDouble":1`)))).finish();
    for (const out of [fromJson(point(`"timeUnixNano":"${LATE_NS}","asDouble":1`)), fromJson(point(`"timeUnixNano":${LATE_NS},"asDouble":1`)), translate(decodeOtlp(proto, 'protobuf'))]) {
      expect(out.rejected).toBe(0);
      expect(out.series[0]!.samples[0]!.t).toBe(1763800000123);
    }
  });

  it('keeps every digit of integer attributes and rounds integer values once, to the nearest double', () => {
    const out = fromJson(
      point(
        `"timeUnixNano":"${NS}","asInt":9007199254740993,"attributes":[{"key":"big","value":{"intValue":9007199254740993}},{"key":"min","value":{"intValue":"-9223372036854775808"}}]`,
      ),
    );
    expect(out.series[0]!.labels).toEqual({ __name__: 'm', big: '9007199254740993', min: '-9223372036854775808' });
    expect(out.series[0]!.samples[0]).toEqual({ t: MS, v: Number(9007199254740993n) });
  });

  it('reads histogram counts given as long JSON numbers or strings', () => {
    const text = `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"h","histogram":{"aggregationTemporality":2,"dataPoints":[{"timeUnixNano":${LATE_NS},"count":18014398509481985,"bucketCounts":["18014398509481984",1],"explicitBounds":[1]}]}}]}]}]}`;
    const out = fromJson(text);
    const value = (name: string, le?: string) => out.series.find((s) => s.labels.__name__ === name && s.labels.le === le)!.samples[0]!;
    expect(value('h_count')).toEqual({ t: 1763800000123, v: Number(18014398509481985n) });
    expect(value('h_bucket', '1')!.v).toBe(18014398509481984);
  });

  it('leaves long digit runs inside strings and in fractions as they are', () => {
    const out = fromJson(point(`"timeUnixNano":"${NS}","asDouble":0.12345678901234567890,"attributes":[{"key":"id","value":{"stringValue":"12345678901234567890"}}]`));
    expect(out.series[0]!.labels.id).toBe('12345678901234567890');
    expect(out.series[0]!.samples[0]!.v).toBe(0.1234567890123456789);
    // A bare long literal and string text that looks like one, in one body.
    const mixed = fromJson(point(`"timeUnixNano":${LATE_NS},"asDouble":1,"attributes":[{"key":"id","value":{"stringValue":"x:12345678901234567890,\\\"[12345678901234567890]"}}]`));
    expect(mixed.series[0]!.labels.id).toBe('x:12345678901234567890,"[12345678901234567890]');
    expect(mixed.series[0]!.samples[0]!.t).toBe(1763800000123);
  });
});
