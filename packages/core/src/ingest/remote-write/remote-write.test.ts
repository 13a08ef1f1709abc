import protobuf from 'protobufjs';
import { ValidationError } from '../../errors';
import { isStaleMarker, STALE_NAN } from '../../promql/source';
import { IngestProtocolError } from '../errors';
import { checkRemoteWriteHeaders } from './http';
import { decodeRemoteWrite, encodeRemoteWrite, snappyDecode, snappyEncode } from './decode';
import { writeRequestType } from './proto';
import { fingerprint, type Labels } from '../../model';
import { LabelSetCache } from '../label-sets';

const T = 1_763_800_000_000;
/** Decoded series carry their labels' fingerprint. */
const withIds = (series: { labels: Labels; samples: { t: number; v: number }[] }[]) => series.map((s) => ({ ...s, id: fingerprint(s.labels), metric: s.labels.__name__ }));
/** A raw WriteRequest body, snappy-compressed, from protobufjs' reflection encoder. */
const body = (request: object) => snappyEncode(writeRequestType().encode(writeRequestType().fromObject(request)).finish());
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
    expect(decoded.series).toEqual(
      withIds([
        { labels: { __name__: 'up', job: 'node', instance: 'a:9100' }, samples: [{ t: T, v: 1 }, { t: T + 15_000, v: 0 }] },
        { labels: { __name__: 'temp_celsius', room: 'b' }, samples: [{ t: T, v: -3.25 }] },
      ]),
    );
    expect(decoded.metadata).toEqual([{ metric: 'up', type: 'gauge', help: 'target is up', unit: '' }]);
  });

  it('reads a body that is a view into a larger buffer, as a Buffer or a plain Uint8Array', () => {
    const body = encodeRemoteWrite([{ labels: { __name__: 'up', job: 'ü' }, samples: [{ t: T, v: 1 }] }]);
    const padded = new Uint8Array(body.length + 7);
    padded.set(body, 3);
    const expected = withIds([{ labels: { __name__: 'up', job: 'ü' }, samples: [{ t: T, v: 1 }] }]);
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
    const raw = writeRequestType().encode(
      writeRequestType().fromObject({
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
    expect(decoded.series).toEqual(withIds([{ labels: { __name__: 'req_total' }, samples: [{ t: T, v: 5 }] }]));
  });

  it('identifies series from their bytes exactly as fingerprint() does from strings, whatever the characters', () => {
    const values = ['', 'a', 'ü', '€', '日本語', '😀x', 'tab\there', 'x'.repeat(300), '\u0000', 'ÿ', '\u07ff\u0800\uffff', '\ufeffbom'];
    const series = values.map((v, i) => ({ labels: { __name__: 'm', a: v, b: String(i), zz_last: v } as Labels, samples: [{ t: T + i, v: i }] }));
    const decoded = decodeRemoteWrite(encodeRemoteWrite(series), { labelSets: new LabelSetCache() }).series;
    const expected = series.map((s) => {
      const labels = Object.fromEntries(Object.entries(s.labels).filter(([, v]) => v !== ''));
      return { labels, samples: s.samples, id: fingerprint(labels), metric: 'm' };
    });
    expect(decoded).toEqual(expected);
  });

  it('hands back one frozen label object per series seen before, and a new one when any byte differs', () => {
    const labelSets = new LabelSetCache();
    const first = decodeRemoteWrite(encodeRemoteWrite([{ labels: { __name__: 'up', job: 'a' }, samples: [{ t: T, v: 1 }] }]), { labelSets }).series[0]!;
    const again = decodeRemoteWrite(encodeRemoteWrite([{ labels: { __name__: 'up', job: 'a' }, samples: [{ t: T + 1, v: 2 }] }]), { labelSets }).series[0]!;
    const other = decodeRemoteWrite(encodeRemoteWrite([{ labels: { __name__: 'up', job: 'b' }, samples: [{ t: T, v: 1 }] }]), { labelSets }).series[0]!;
    expect(Object.isFrozen(first.labels)).toBe(true);
    expect(again.labels).toBe(first.labels);
    expect(again.id).toBe(first.id);
    expect(again.samples).toEqual([{ t: T + 1, v: 2 }]);
    expect(other.labels).toEqual({ __name__: 'up', job: 'b' });
    expect(other.id).not.toBe(first.id);
  });

  it('decodes labels that do not come sorted by name from their strings, and remembers them under their own bytes', () => {
    const labelSets = new LabelSetCache();
    const unsorted = body({ timeseries: [{ labels: [{ name: 'job', value: 'a' }, { name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: T }] }] });
    const expected = { labels: { __name__: 'up', job: 'a' }, samples: [{ t: T, v: 1 }], id: fingerprint({ __name__: 'up', job: 'a' }), metric: 'up' };
    const [s] = decodeRemoteWrite(unsorted, { labelSets }).series;
    expect(s).toEqual(expected);
    const [again] = decodeRemoteWrite(unsorted, { labelSets }).series;
    expect(again).toEqual(expected);
    expect(again!.labels).toBe(s!.labels);
    // The same labels in Prometheus's order are other bytes: another entry, the same series.
    const [sorted] = decodeRemoteWrite(encodeRemoteWrite([{ labels: { __name__: 'up', job: 'a' }, samples: [{ t: T, v: 1 }] }]), { labelSets }).series;
    expect(sorted).toEqual(expected);
    expect(labelSets.size).toBe(2);
  });

  it('tells label sets apart by their bytes when their hashes collide', () => {
    const labelSets = new LabelSetCache(undefined, () => 7);
    const series = Array.from({ length: 50 }, (_, i) => ({ labels: { __name__: 'm', i: String(i), job: i % 2 === 0 ? 'a' : 'ab' }, samples: [{ t: T, v: i }] }));
    const first = decodeRemoteWrite(encodeRemoteWrite(series), { labelSets }).series;
    const again = decodeRemoteWrite(encodeRemoteWrite(series), { labelSets }).series;
    expect(first).toEqual(withIds(series));
    expect(again).toEqual(withIds(series));
    again.forEach((s, i) => expect(s.labels).toBe(first[i]!.labels));
    expect(labelSets.size).toBe(50);
  });

  it('finds label sets whatever order the series come in, however the hash falls', () => {
    for (const hash of [undefined, () => 7]) {
      const labelSets = new LabelSetCache(undefined, hash);
      const series = ['a', 'b', 'c', 'd'].map((job) => ({ labels: { __name__: 'up', job }, samples: [{ t: T, v: 1 }] }));
      const objects = new Map<string, Labels>();
      for (const order of [[0, 1, 2, 3], [0, 1, 2, 3], [3, 2, 1, 0], [0, 2], [1, 3, 0], [0, 1, 2, 3]]) {
        const picked = order.map((i) => series[i]!);
        const decoded = decodeRemoteWrite(encodeRemoteWrite(picked), { labelSets }).series;
        expect(decoded).toEqual(withIds(picked));
        for (const s of decoded) {
          if (!objects.has(s.id!)) objects.set(s.id!, s.labels);
          expect(s.labels).toBe(objects.get(s.id!));
        }
      }
      expect(labelSets.size).toBe(4);
    }
  });

  it('decodes labels written apart (a sample between them) without remembering them', () => {
    const labelSets = new LabelSetCache();
    const writer = protobuf.Writer.create();
    writer.uint32((1 << 3) | 2).fork();
    writer.uint32((1 << 3) | 2).fork().uint32((1 << 3) | 2).string('job').uint32((2 << 3) | 2).string('a').ldelim();
    writer.uint32((2 << 3) | 2).fork().uint32((1 << 3) | 1).double(2.5).uint32((2 << 3) | 0).int64(T).ldelim();
    writer.uint32((1 << 3) | 2).fork().uint32((1 << 3) | 2).string('__name__').uint32((2 << 3) | 2).string('up').ldelim();
    writer.ldelim();
    const [s] = decodeRemoteWrite(snappyEncode(writer.finish()), { labelSets }).series;
    expect(s).toEqual({ labels: { __name__: 'up', job: 'a' }, samples: [{ t: T, v: 2.5 }], id: fingerprint({ __name__: 'up', job: 'a' }), metric: 'up' });
    expect(labelSets.size).toBe(0);
  });

  it('bounds the label sets it remembers by bytes', () => {
    const labelSets = new LabelSetCache(64 * 1024);
    for (let round = 0; round < 20; round++) {
      const series = Array.from({ length: 100 }, (_, i) => ({ labels: { __name__: 'm', i: `${round}-${i}` }, samples: [{ t: T, v: 1 }] }));
      decodeRemoteWrite(encodeRemoteWrite(series), { labelSets });
    }
    // 2,000 label sets of about 250 bytes each were decoded; two generations of 64 KiB hold far fewer.
    expect(labelSets.size).toBeLessThan(600);
    expect(labelSets.size).toBeGreaterThan(100);
  });

  it('reads negative and large int64 timestamps as Long#toNumber does', () => {
    const decoded = decodeRemoteWrite(body({ timeseries: [{ labels: [{ name: '__name__', value: 'x' }], samples: [-1, -T, 2 ** 40 + 3, 0].map((timestamp) => ({ value: 1, timestamp })) }] }));
    expect(decoded.series[0]!.samples.map((s) => s.t)).toEqual([-1, -T, 2 ** 40 + 3, 0]);
  });

  it('skips fields it does not know, in every message', () => {
    const w = protobuf.Writer.create();
    w.uint32((9 << 3) | 0).uint32(7); // unknown varint in WriteRequest
    w.uint32((1 << 3) | 2).fork();
    w.uint32((1 << 3) | 2).fork().uint32((1 << 3) | 2).string('__name__').uint32((7 << 3) | 5).fixed32(1).uint32((2 << 3) | 2).string('up').ldelim();
    w.uint32((2 << 3) | 2).fork().uint32((3 << 3) | 1).fixed64(0).uint32((1 << 3) | 1).double(4).uint32((2 << 3) | 0).int64(T).ldelim();
    w.uint32((8 << 3) | 2).bytes(new Uint8Array([1, 2, 3]));
    w.ldelim();
    expect(decodeRemoteWrite(snappyEncode(w.finish())).series).toEqual(withIds([{ labels: { __name__: 'up' }, samples: [{ t: T, v: 4 }] }]));
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

  it('refuses snappy blocks that do not decode to exactly their length, after a larger body (no earlier byte can show through)', () => {
    const earlier = encodeRemoteWrite(Array.from({ length: 200 }, (_, i) => ({ labels: { __name__: 'secret_metric', i: String(i) }, samples: [{ t: T, v: i }] })));
    expect(decodeRemoteWrite(earlier).series).toHaveLength(200);
    const literal = (text: string) => [(text.length - 1) << 2, ...new TextEncoder().encode(text)];
    // A copy of 4 to 11 bytes from `offset` bytes back (offset < 2048).
    const copy = (length: number, offset: number) => [1 | ((length - 4) << 2) | ((offset >> 8) << 5), offset & 0xff];
    expect(new TextDecoder().decode(snappyDecode(new Uint8Array([6, ...literal('ab'), ...copy(4, 2)])))).toBe('ababab');
    const blocks: [string, number[]][] = [
      ['ends early', [40, ...literal('0123456789')]],
      ['runs long', [4, ...literal('0123456789')]],
      ['copies from before its start', [6, ...literal('ab'), ...copy(4, 3)]],
      ['copies at offset 0', [6, ...literal('ab'), ...copy(4, 0)]],
    ];
    for (const [, block] of blocks) expect(() => snappyDecode(new Uint8Array(block))).toThrow(/^corrupt snappy/);
  });

  it('refuses a truncated protobuf', () => {
    const raw = writeRequestType().encode(
      writeRequestType().fromObject({ timeseries: [{ labels: [{ name: '__name__', value: 'abc' }], samples: [{ value: 1, timestamp: T }] }] }),
    ).finish();
    expect(() => decodeRemoteWrite(snappyEncode(raw.subarray(0, raw.length - 3)))).toThrow(/malformed protobuf WriteRequest/);
  });

  it.each([
    ['invalid UTF-8 in a label value', () => {
      const w = protobuf.Writer.create();
      w.uint32((1 << 3) | 2).fork().uint32((1 << 3) | 2).fork().uint32((1 << 3) | 2).string('__name__').uint32((2 << 3) | 2).bytes(new Uint8Array([0xc3, 0x28])).ldelim();
      w.uint32((2 << 3) | 2).fork().uint32((1 << 3) | 1).double(1).ldelim().ldelim();
      return w.finish();
    }, /malformed protobuf WriteRequest: invalid UTF-8/],
    ['a known field with the wrong wire type', () => new Uint8Array([(1 << 3) | 0, 5]), /malformed protobuf/],
    ['a nested length running past its message', () => new Uint8Array([(1 << 3) | 2, 2, (1 << 3) | 2, 50, 0, 0]), /malformed protobuf WriteRequest: length 50/],
    ['a varint timestamp longer than 10 bytes', () => new Uint8Array([(1 << 3) | 2, 15, (2 << 3) | 2, 13, (2 << 3) | 0, ...new Array(11).fill(0xff), 1]), /malformed protobuf/],
  ])('refuses %s with a 400', (_name, raw, message) => {
    expect(() => decodeRemoteWrite(snappyEncode(raw()))).toThrow(ValidationError);
    expect(() => decodeRemoteWrite(snappyEncode(raw()))).toThrow(message);
  });

  it('refuses duplicate label names and series without a name, saying where', () => {
    const dup = writeRequestType().encode(
      writeRequestType().fromObject({
        timeseries: [
          { labels: [{ name: '__name__', value: 'a' }], samples: [{ value: 1, timestamp: T }] },
          { labels: [{ name: '__name__', value: 'a' }, { name: 'x', value: '1' }, { name: 'x', value: '2' }], samples: [{ value: 1, timestamp: T }] },
        ],
      }),
    ).finish();
    expect(() => decodeRemoteWrite(snappyEncode(dup))).toThrow('timeseries[1].labels: duplicate label name "x"');
    const noName = writeRequestType().encode(writeRequestType().fromObject({ timeseries: [{ labels: [{ name: 'x', value: '1' }], samples: [{ value: 1, timestamp: T }] }] })).finish();
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
