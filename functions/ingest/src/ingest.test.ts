import { gzipSync } from 'node:zlib';
import { DEFAULT_SHARDS, fingerprint, ManualClock, otlp, processBatch, promql, queryAll, remoteWrite, seriesKeys, shardOf, silentLogger, sliceOf } from '@vigil/core';
import { ingestMessageSchema } from '@vigil/events';
import type { LocalRuntime } from '@vigil/adapter-local';
import { ADMIN_KEY, startManual, tempDir } from '../../../test/helpers/local';
import { configureIngest, handle, ingestServices } from './index';

/**
 * Every ingest path through the real HTTP API and the real SQLite store and queue, on virtual
 * time: remote write, OTLP (protobuf, JSON, gzip), the JSON batch and the ingest queue, with
 * their limits and their answers to retrying clients.
 */
const T0 = 1_763_800_000_000;
const NS = (ms: number) => (BigInt(ms) * 1_000_000n).toString();

describe('ingest paths', () => {
  const clock = new ManualClock(T0);
  const { dir, remove } = tempDir();
  let vigil: LocalRuntime;

  const post = (path: string, body: Uint8Array | string, headers: Record<string, string>, key = ADMIN_KEY) =>
    fetch(vigil.url + path, { method: 'POST', headers: { authorization: `Bearer ${key}`, ...headers }, body: body as BodyInit });
  const push = (body: Uint8Array, headers: Record<string, string> = {}, tenant?: string) =>
    post('/api/v1/push', body, {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
      ...(tenant ? { 'x-scope-orgid': tenant } : {}),
      ...headers,
    });
  const query = async (q: string, tenant = 'default') => {
    const res = await fetch(`${vigil.url}/prometheus/api/v1/query?query=${encodeURIComponent(q)}&time=${clock.now() / 1000}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'x-scope-orgid': tenant },
    });
    const json = (await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    return json.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  };
  const metricNames = (tenant: string) => vigil.ctx.services.series.metricNames(tenant);

  beforeAll(async () => {
    vigil = await startManual(dir, clock);
  });
  afterAll(async () => {
    await vigil.stop();
    remove();
  });

  describe('remote write', () => {
    it('stores samples and metadata and answers 204', async () => {
      const body = remoteWrite.encodeRemoteWrite(
        [
          { labels: { __name__: 'node_load1', instance: 'a' }, samples: [{ t: T0 - 15_000, v: 0.5 }, { t: T0, v: 0.75 }] },
          { labels: { __name__: 'node_load1', instance: 'b' }, samples: [{ t: T0, v: 2 }] },
        ],
        [{ metric: 'node_load1', type: 'gauge', help: '1m load average.', unit: '' }],
      );
      const res = await push(body, {}, 'rw');
      expect(res.status).toBe(204);
      expect(await query('node_load1', 'rw')).toEqual([
        { labels: { __name__: 'node_load1', instance: 'a' }, value: 0.75 },
        { labels: { __name__: 'node_load1', instance: 'b' }, value: 2 },
      ]);
      expect(await ingestServices(vigil.ctx).metadata.list('rw')).toEqual([{ metric: 'node_load1', type: 'gauge', help: '1m load average.', unit: '' }]);
      const metadata = await fetch(`${vigil.url}/prometheus/api/v1/metadata?metric=node_load1`, { headers: { authorization: `Bearer ${ADMIN_KEY}`, 'x-scope-orgid': 'rw' } });
      expect(await metadata.json()).toEqual({ status: 'success', data: { node_load1: [{ type: 'gauge', help: '1m load average.', unit: '' }] } });
      expect(await ingestServices(vigil.ctx).limiter.seriesCount('rw')).toBe(2);
    });

    it('keeps stale markers bit-exact through the store, and the series ends for queries', async () => {
      const labels = { __name__: 'stale_demo', job: 'x' };
      const stale = Array.from({ length: 50 }, (_, i) => ({ t: T0 - 50_000 + i * 1000, v: i % 2 === 0 ? i : otlpStale() }));
      expect((await push(remoteWrite.encodeRemoteWrite([{ labels, samples: stale }]), {}, 'rw')).status).toBe(204);
      const stored = await vigil.ctx.services.series.samples('rw', fingerprint(labels), T0 - 60_000, T0);
      expect(stored).toHaveLength(50);
      stored.forEach((s, i) => expect(promql.isStaleMarker(s.v)).toBe(i % 2 === 1));
      expect(await query('stale_demo', 'rw')).toEqual([]);
    });

    it.each([
      ['corrupt snappy', () => new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x01]), {}, 400, /corrupt snappy/],
      ['a truncated protobuf', () => truncated(), {}, 400, /malformed protobuf/],
      ['an invalid label name', () => remoteWrite.encodeRemoteWrite([{ labels: { __name__: 'bad_series', 'a-b': '1' }, samples: [{ t: T0, v: 1 }] }]), {}, 400, /invalid label name "a-b"/],
      ['an absurd label set', () => remoteWrite.encodeRemoteWrite([{ labels: { __name__: 'bad_series', ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`l${i}`, 'v'])) }, samples: [{ t: T0, v: 1 }] }]), {}, 400, /max_label_names_per_series/],
      ['a label value of 1 MB', () => remoteWrite.encodeRemoteWrite([{ labels: { __name__: 'bad_series', a: 'x'.repeat(1 << 20) }, samples: [{ t: T0, v: 1 }] }]), {}, 400, /max_label_value_length/],
      ['a sample an hour in the future', () => remoteWrite.encodeRemoteWrite([{ labels: { __name__: 'bad_series' }, samples: [{ t: T0 + 3_600_000, v: 1 }] }]), {}, 400, /creation_grace_period/],
      ['JSON', () => new TextEncoder().encode('{}'), { 'content-type': 'application/json' }, 415, /Content-Type/],
      ['gzip', () => remoteWrite.encodeRemoteWrite([{ labels: { __name__: 'bad_series' }, samples: [{ t: T0, v: 1 }] }]), { 'content-encoding': 'gzip' }, 415, /Content-Encoding/],
      ['remote write 2.0', () => remoteWrite.encodeRemoteWrite([{ labels: { __name__: 'bad_series' }, samples: [{ t: T0, v: 1 }] }]), { 'x-prometheus-remote-write-version': '2.0.0' }, 415, /Remote-Write-Version/],
    ])('refuses %s (%#) and stores nothing', async (_name, body, headers, status, message) => {
      const res = await push(body(), headers as Record<string, string>, 'rw-bad');
      expect(res.status).toBe(status);
      expect(await res.text()).toMatch(message);
      expect(await metricNames('rw-bad')).toEqual([]);
    });

    it('refuses a request without a key (401) or without metrics:write (403)', async () => {
      const body = remoteWrite.encodeRemoteWrite([{ labels: { __name__: 'x' }, samples: [{ t: T0, v: 1 }] }]);
      expect((await post('/api/v1/push', body, {}, 'wrong-key')).status).toBe(401);
      await vigil.ctx.services.apiKeys.create('reader-key', { tenant: 'default', scopes: ['metrics:read'], name: 'reader', createdAt: T0 });
      expect((await post('/api/v1/push', body, {}, 'reader-key')).status).toBe(403);
    });

    it('stores equal timestamps deterministically: the chunk with the greatest key wins, whatever the order of arrival', async () => {
      const labels = { __name__: 'dup_demo' };
      const a = remoteWrite.encodeRemoteWrite([{ labels, samples: [{ t: T0, v: 1 }] }]);
      const b = remoteWrite.encodeRemoteWrite([{ labels, samples: [{ t: T0, v: 2 }] }]);
      expect((await push(b, {}, 'dup1')).status).toBe(204);
      expect((await push(a, {}, 'dup1')).status).toBe(204);
      expect((await push(a, {}, 'dup2')).status).toBe(204);
      expect((await push(b, {}, 'dup2')).status).toBe(204);
      const [one] = await query('dup_demo', 'dup1');
      const [two] = await query('dup_demo', 'dup2');
      expect(one!.value).toBe(two!.value);
      // An out-of-order sample (older than what is stored) is accepted and read in time order.
      expect((await push(remoteWrite.encodeRemoteWrite([{ labels, samples: [{ t: T0 - 30_000, v: 7 }] }]), {}, 'dup1')).status).toBe(204);
      const stored = await vigil.ctx.services.series.samples('dup1', fingerprint(labels), T0 - 60_000, T0);
      expect(stored.map((s) => s.t)).toEqual([T0 - 30_000, T0]);
    });
  });

  describe('limits', () => {
    afterAll(() => configureIngest(vigil.ctx));

    it('answers 429 with Retry-After past the rate, on every path, and 400 when a request can never fit', async () => {
      configureIngest(vigil.ctx, { limits: (t) => (t === 'slow' ? { ingestionRate: 10, ingestionBurstSize: 20 } : undefined) });
      const body = remoteWrite.encodeRemoteWrite([{ labels: { __name__: 'rate_demo' }, samples: Array.from({ length: 15 }, (_, i) => ({ t: T0 - 15_000 + i * 1000, v: i })) }]);
      expect((await push(body, {}, 'slow')).status).toBe(204);
      const limited = await push(body, {}, 'slow');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('1');
      expect(await limited.text()).toContain('ingestion_rate');
      const json = await post('/v1/metrics', JSON.stringify({ samples: Array.from({ length: 15 }, (_, i) => ({ metric: 'rate_demo', value: i, timestamp: T0 - i })) }), { 'content-type': 'application/json', 'x-scope-orgid': 'slow' });
      expect(json.status).toBe(429);
      expect(json.headers.get('retry-after')).toBe('1');
      expect(((await json.json()) as { error: string }).error).toContain('ingestion_rate');
      clock.advance(1000);
      expect((await push(body, {}, 'slow')).status).toBe(204);
      const huge = remoteWrite.encodeRemoteWrite([{ labels: { __name__: 'rate_demo' }, samples: Array.from({ length: 25 }, (_, i) => ({ t: T0 - i * 1000, v: i })) }]);
      const never = await push(huge, {}, 'slow');
      expect(never.status).toBe(400);
      expect(await never.text()).toContain('larger than the burst size');
    });

    it('refuses new series past max_series with a 400, still taking samples of known series', async () => {
      configureIngest(vigil.ctx, { limits: (t) => (t === 'small' ? { maxSeries: 3 } : undefined) });
      const series = (names: string[]) => remoteWrite.encodeRemoteWrite(names.map((n) => ({ labels: { __name__: 'series_demo', n }, samples: [{ t: clock.now(), v: 1 }] })));
      expect((await push(series(['a', 'b', 'c']), {}, 'small')).status).toBe(204);
      const refused = await push(series(['a', 'd']), {}, 'small');
      expect(refused.status).toBe(400);
      expect(await refused.text()).toMatch(/1 new series would pass the limit of 3 \(limit max_series\)/);
      expect((await push(series(['a', 'b']), {}, 'small')).status).toBe(204);
      expect((await vigil.ctx.services.series.series('small', [])).map((s) => s.labels.n).sort()).toEqual(['a', 'b', 'c']);
    });
  });

  describe('OTLP', () => {
    const gauge = (value: number, t = clock.now()) => ({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
          scopeMetrics: [{ metrics: [{ name: 'queue.depth', unit: '{items}', gauge: { dataPoints: [{ timeUnixNano: NS(t), asDouble: value }] } }] }],
        },
      ],
    });
    const deltaCounter = (value: number, t: number) => ({
      resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'jobs.done', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ timeUnixNano: NS(t), startTimeUnixNano: NS(t - 10_000), asInt: String(value) }] } }] }] }],
    });
    const otlpPost = (body: Uint8Array | string, contentType: string, extra: Record<string, string> = {}) =>
      post('/otlp/v1/metrics', body, { 'content-type': contentType, 'x-scope-orgid': 'otel', ...extra });

    it('takes JSON, protobuf and gzip and answers an empty ExportMetricsServiceResponse', async () => {
      const json = await otlpPost(JSON.stringify(gauge(3)), 'application/json');
      expect(json.status).toBe(200);
      expect(await json.json()).toEqual({});
      const proto = otlp.exportRequestType().encode(otlp.exportRequestType().fromObject(gauge(4, clock.now() + 1))).finish();
      const res = await otlpPost(gzipSync(proto), 'application/x-protobuf', { 'content-encoding': 'gzip' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-protobuf');
      expect(new Uint8Array(await res.arrayBuffer())).toHaveLength(0);
      clock.advance(1000);
      expect(await query('queue_depth', 'otel')).toEqual([{ labels: { __name__: 'queue_depth', job: 'api' }, value: 4 }]);
    });

    it('reports rejected points as partial success and stores the rest', async () => {
      const req = gauge(5) as any;
      req.resourceMetrics[0].scopeMetrics[0].metrics.push({ name: 'latency', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{}, {}, {}] } });
      const res = await otlpPost(JSON.stringify(req), 'application/json');
      expect(res.status).toBe(200);
      const body = (await res.json()) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } };
      expect(body.partialSuccess.rejectedDataPoints).toBe('3');
      expect(body.partialSuccess.errorMessage).toContain('exponential histogram "latency"');
      expect((await query('queue_depth', 'otel'))[0]!.value).toBe(5);
    });

    it('answers bad requests with a google.rpc.Status in the request encoding', async () => {
      const bad = await otlpPost('{"resourceMetrics": [', 'application/json');
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { code: number; message: string }).message).toContain('malformed JSON');
      const badProto = await otlpPost(new Uint8Array([0x0a, 0x10, 0x01]), 'application/x-protobuf');
      expect(badProto.status).toBe(400);
      const status = otlp.statusType().decode(new Uint8Array(await badProto.arrayBuffer())) as unknown as { code: number; message: string };
      expect(status.code).toBe(3);
      expect(status.message).toContain('malformed protobuf');
      expect((await otlpPost('x', 'text/plain')).status).toBe(415);
    });

    it('turns delta sums into one running total, and a retried export adds nothing', async () => {
      const t1 = clock.now() - 20_000;
      const t2 = clock.now() - 10_000;
      for (const [v, t] of [[5, t1], [3, t2], [3, t2]] as const) {
        expect((await otlpPost(JSON.stringify(deltaCounter(v, t)), 'application/json')).status).toBe(200);
      }
      const stored = await vigil.ctx.services.series.samples('otel', fingerprint({ __name__: 'jobs_done_total' }), t1 - 1, t2 + 1);
      expect(stored.map((s) => s.v)).toEqual([5, 8]);
    });
  });

  describe('queue ingest', () => {
    const message = (payload: Uint8Array) => ({ kind: 'remote_write' as const, tenant: 'q', payload: Buffer.from(payload).toString('base64') });
    const labels = { __name__: 'queued_total', job: 'batch' };
    /** Head segments of the metric's shard and slice: one per ingest request. */
    const segmentItems = async () => (await queryAll(vigil.store, seriesKeys.head('q', shardOf('q', labels.__name__, DEFAULT_SHARDS), sliceOf(T0 - 2000)))).length;

    it('applies a redelivered message once: same segments, same series count', async () => {
      const body = remoteWrite.encodeRemoteWrite([{ labels, samples: [{ t: T0 - 2000, v: 10 }, { t: T0 - 1000, v: 11 }] }]);
      await vigil.queue.send('ingest', { body: message(body) });
      // First delivery: handled, then the worker "crashes" before acknowledging.
      const [first] = await vigil.queue.receive('ingest', 10, 30_000);
      expect(first).toBeDefined();
      expect((await processBatch([first!], ingestMessageSchema, (m) => handle(m, vigil.ctx), silentLogger)).failed).toEqual([]);
      const afterFirst = await segmentItems();
      const countAfterFirst = await ingestServices(vigil.ctx).limiter.seriesCount('q');
      // The message becomes visible again and is delivered a second time.
      clock.advance(31_000);
      const [second] = await vigil.queue.receive('ingest', 10, 30_000);
      expect(second?.id).toBe(first!.id);
      expect(second?.attempt).toBe(2);
      expect((await processBatch([second!], ingestMessageSchema, (m) => handle(m, vigil.ctx), silentLogger)).failed).toEqual([]);
      await vigil.queue.ack(second!.id);
      expect(afterFirst).toBe(1);
      expect(await segmentItems()).toBe(afterFirst);
      expect(await ingestServices(vigil.ctx).limiter.seriesCount('q')).toBe(countAfterFirst);
      const stored = await vigil.ctx.services.series.samples('q', fingerprint(labels), T0 - 10_000, T0);
      expect(stored.map((s) => s.v)).toEqual([10, 11]);
    });

    it('stores a remote-write message through the local ingest worker', async () => {
      const worker = { __name__: 'worker_demo', job: 'batch' };
      const body = remoteWrite.encodeRemoteWrite([{ labels: worker, samples: [{ t: T0, v: 42 }] }]);
      await vigil.queue.send('ingest', { body: message(body) });
      await vigil.drain();
      expect(await query('worker_demo', 'q')).toEqual([{ labels: worker, value: 42 }]);
      expect(await vigil.queue.stats('ingest')).toMatchObject({ visible: 0, dead: 0 });
    });

    it('reports a bad message alone as failed; the others in the batch are stored', async () => {
      const good = { kind: 'samples', tenant: 'q', samples: [{ metric: 'queued_json', value: 1, timestamp: T0 }] };
      const corrupt = { kind: 'remote_write', tenant: 'q', payload: Buffer.from('not snappy').toString('base64') };
      const notBase64 = { kind: 'remote_write', tenant: 'q', payload: '%%%' };
      const result = await processBatch(
        [
          { id: 'm1', body: good, attempt: 1 },
          { id: 'm2', body: corrupt, attempt: 1 },
          { id: 'm3', body: notBase64, attempt: 1 },
        ],
        ingestMessageSchema,
        (m) => handle(m, vigil.ctx),
        silentLogger,
      );
      expect(result.failed.map((f) => f.id)).toEqual(['m2', 'm3']);
      expect(result.failed[0]!.error).toContain('corrupt snappy');
      // Undecodable data is not retried: it goes to the dead-letter queue at once.
      expect(result.failed[0]).toMatchObject({ retryable: false });
      expect(result.failed[1]!.error).toContain('payload');
      expect(await metricNames('q')).toContain('queued_json');
    });
  });
});

describe('queue ingest under a rate limit', () => {
  const clock = new ManualClock(T0);
  const { dir, remove } = tempDir();
  let vigil: LocalRuntime;
  beforeAll(async () => {
    vigil = await startManual(dir, clock);
    configureIngest(vigil.ctx, { limits: () => ({ ingestionRate: 1, ingestionBurstSize: 2 }) });
  });
  afterAll(async () => {
    await vigil.stop();
    remove();
  });

  it('fails a rate-limited message as retryable, and it is stored on a later delivery', async () => {
    const body = { kind: 'samples', tenant: 'q', samples: [{ metric: 'm', value: 1, timestamp: T0 }, { metric: 'm', value: 2, timestamp: T0 - 1 }] };
    const run = (id: string) => processBatch([{ id, body, attempt: 1 }], ingestMessageSchema, (m) => handle(m, vigil.ctx), silentLogger);
    expect((await run('a')).failed).toEqual([]);
    const limited = await run('b');
    expect(limited.failed).toHaveLength(1);
    expect(limited.failed[0]!.error).toContain('ingestion_rate');
    expect(limited.failed[0]!.retryable).toBeUndefined();
    clock.advance(2000);
    expect((await run('b')).failed).toEqual([]);
  });
});

function otlpStale(): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, 0x7ff00000);
  view.setUint32(4, 2);
  return view.getFloat64(0);
}

function truncated(): Uint8Array {
  const raw = remoteWrite.writeRequestType().encode(
    remoteWrite.writeRequestType().fromObject({ timeseries: [{ labels: [{ name: '__name__', value: 'bad_series' }], samples: [{ value: 1, timestamp: T0 }] }] }),
  ).finish();
  return remoteWrite.snappyEncode(raw.subarray(0, raw.length - 4));
}
