import protobuf from 'protobufjs';
import { ValidationError } from '../../errors';
import { isStaleMarker, STALE_NAN } from '../../promql/source';
import { IngestProtocolError } from '../errors';
import { checkRemoteWriteHeaders } from './http';
import { decodeRemoteWrite, encodeRemoteWrite, snappyEncode } from './decode';
import { WriteRequestType } from './proto';

const T = 1_763_800_000_000;
const headers = (h: Record<string, string>) => new Headers(h);

describe('remote write decoding', () => {
  it('round-trips series, samples and metadata', () => {
    const body = encodeRemoteWrite(
      [
        { labels: { __name__: 'up', job: 'node', instance: 'a:9100' }, samples: [{ t: T, v: 1 }, { t: T + 15_000, v: 0 }] },
        { labels: { __name__: 'temp_celsius', room: 'b' }, samples: [{ t: T, v: -3.25 }] },
      ],
      [{ metric: 'up', type: 'gauge', help: 'target is up', unit: '' }],
    );
    const decoded = decodeRemoteWrite(body);
    expect(decoded.series).toEqual([
      { labels: { __name__: 'up', job: 'node', instance: 'a:9100' }, samples: [{ t: T, v: 1 }, { t: T + 15_000, v: 0 }] },
      { labels: { __name__: 'temp_celsius', room: 'b' }, samples: [{ t: T, v: -3.25 }] },
    ]);
    expect(decoded.metadata).toEqual([{ metric: 'up', type: 'gauge', help: 'target is up', unit: '' }]);
  });

  it('reads a body that is a view into a larger buffer, as a Buffer or a plain Uint8Array', () => {
    const body = encodeRemoteWrite([{ labels: { __name__: 'up', job: 'ü' }, samples: [{ t: T, v: 1 }] }]);
    const padded = new Uint8Array(body.length + 7);
    padded.set(body, 3);
    const expected = [{ labels: { __name__: 'up', job: 'ü' }, samples: [{ t: T, v: 1 }] }];
    expect(decodeRemoteWrite(padded.subarray(3, 3 + body.length)).series).toEqual(expected);
    expect(decodeRemoteWrite(Buffer.from(padded.buffer, 3, body.length)).series).toEqual(expected);
  });

  it('keeps the stale marker bit-exact and other NaNs apart from it', () => {
    const body = encodeRemoteWrite([{ labels: { __name__: 'x' }, samples: [{ t: T, v: STALE_NAN }, { t: T + 1, v: NaN }] }]);
    const [s] = decodeRemoteWrite(body).series;
    expect(isStaleMarker(s!.samples[0]!.v)).toBe(true);
    expect(Number.isNaN(s!.samples[1]!.v)).toBe(true);
    expect(isStaleMarker(s!.samples[1]!.v)).toBe(false);
  });

  it('counts exemplars and native histograms without storing them; drops empty label values', () => {
    const raw = WriteRequestType.encode(
      WriteRequestType.fromObject({
        timeseries: [
          {
            labels: [
              { name: '__name__', value: 'req_total' },
              { name: 'empty', value: '' },
            ],
            samples: [{ value: 5, timestamp: T }],
            exemplars: [{ labels: [{ name: 'trace_id', value: 'abc' }], value: 1, timestamp: T }],
          },
        ],
      }),
    ).finish();
    // A native histogram (field 4) the schema does not describe: its bytes are skipped.
    const writer = protobuf.Writer.create();
    writer.uint32((1 << 3) | 2).fork();
    writer.uint32((1 << 3) | 2).fork().uint32((1 << 3) | 2).string('__name__').uint32((2 << 3) | 2).string('h').ldelim();
    writer.uint32((4 << 3) | 2).fork().uint32((1 << 3) | 0).uint64(3).ldelim();
    writer.ldelim();
    const withHistogram = new Uint8Array([...raw, ...writer.finish()]);
    const decoded = decodeRemoteWrite(snappyEncode(withHistogram));
    expect(decoded.exemplarsIgnored).toBe(1);
    expect(decoded.histogramsIgnored).toBe(1);
    expect(decoded.series).toEqual([{ labels: { __name__: 'req_total' }, samples: [{ t: T, v: 5 }] }]);
  });

  it.each([
    ['corrupt snappy', new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), /corrupt snappy/],
    ['snappy claiming 128 MiB (a bomb)', new Uint8Array([0x80, 0x80, 0x80, 0x40, 0x00]), /corrupt snappy.*too big/],
    ['not snappy at all', new TextEncoder().encode('{"samples":[]}'), /corrupt snappy|malformed protobuf/],
  ])('refuses %s with a 400', (_name, body, message) => {
    let err: unknown;
    try {
      decodeRemoteWrite(body);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).status).toBe(400);
    expect((err as Error).message).toMatch(message);
  });

  it('refuses a truncated protobuf', () => {
    const raw = WriteRequestType.encode(
      WriteRequestType.fromObject({ timeseries: [{ labels: [{ name: '__name__', value: 'abc' }], samples: [{ value: 1, timestamp: T }] }] }),
    ).finish();
    expect(() => decodeRemoteWrite(snappyEncode(raw.subarray(0, raw.length - 3)))).toThrow(/malformed protobuf WriteRequest/);
  });

  it('refuses duplicate label names and series without a name, saying where', () => {
    const dup = WriteRequestType.encode(
      WriteRequestType.fromObject({
        timeseries: [
          { labels: [{ name: '__name__', value: 'a' }], samples: [{ value: 1, timestamp: T }] },
          { labels: [{ name: '__name__', value: 'a' }, { name: 'x', value: '1' }, { name: 'x', value: '2' }], samples: [{ value: 1, timestamp: T }] },
        ],
      }),
    ).finish();
    expect(() => decodeRemoteWrite(snappyEncode(dup))).toThrow('timeseries[1].labels: duplicate label name "x"');
    const noName = WriteRequestType.encode(WriteRequestType.fromObject({ timeseries: [{ labels: [{ name: 'x', value: '1' }], samples: [{ value: 1, timestamp: T }] }] })).finish();
    expect(() => decodeRemoteWrite(snappyEncode(noName))).toThrow('timeseries[0].labels: series has no metric name');
  });
});

describe('remote write headers', () => {
  const status = (h: Record<string, string>) => {
    try {
      checkRemoteWriteHeaders(headers(h));
      return 'ok';
    } catch (err) {
      return (err as IngestProtocolError).status;
    }
  };

  it('accepts what Prometheus sends, and senders that omit the headers', () => {
    expect(status({ 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' })).toBe('ok');
    expect(status({ 'content-type': 'application/x-protobuf;proto=prometheus.WriteRequest', 'x-prometheus-remote-write-version': '1.0.0' })).toBe('ok');
    expect(status({})).toBe('ok');
  });

  it('answers 415 to other content types, encodings and protocol versions', () => {
    expect(status({ 'content-type': 'application/json' })).toBe(415);
    expect(status({ 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' })).toBe(415);
    expect(status({ 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' })).toBe(415);
    expect(status({ 'x-prometheus-remote-write-version': '2.0.0' })).toBe(415);
  });
});
