import { ManualClock } from '../ports';
import { checkSeriesLabels } from './labels';
import { DEFAULT_LIMITS, tenantLimitsSchema } from './schema';
import { TokenBucket } from './token-bucket';

describe('token bucket', () => {
  it('admits the burst, then the rate as time passes, on injected time', () => {
    const clock = new ManualClock(0);
    const bucket = new TokenBucket(100, 200, clock.now());
    expect(bucket.take(150, clock.now())).toEqual({ ok: true });
    expect(bucket.take(100, clock.now())).toEqual({ ok: false, retryAfterMs: 500 });
    clock.advance(500);
    expect(bucket.take(100, clock.now())).toEqual({ ok: true });
    clock.advance(60_000);
    expect(bucket.available(clock.now())).toBe(200);
  });

  it('never admits a request larger than the bucket', () => {
    const bucket = new TokenBucket(100, 200, 0);
    expect(bucket.take(201, 0)).toEqual({ ok: false, retryAfterMs: Infinity });
    expect(bucket.available(0)).toBe(200);
  });

  it('gives tokens back for requests refused for another reason', () => {
    const bucket = new TokenBucket(1, 10, 0);
    expect(bucket.take(10, 0).ok).toBe(true);
    bucket.giveBack(4);
    expect(bucket.available(0)).toBe(4);
  });
});

describe('series label checks', () => {
  const limits = tenantLimitsSchema.parse({ maxLabelNamesPerSeries: 3, maxLabelNameLength: 8, maxLabelValueLength: 5 });

  it('accepts a valid series', () => {
    expect(checkSeriesLabels({ __name__: 'up', job: 'a' }, limits, 's')).toBeUndefined();
  });

  it.each([
    [{ job: 'a' }, undefined, 'no metric name'],
    [{ __name__: '1up' }, undefined, 'invalid metric name'],
    [{ __name__: 'up', 'a-b': 'x' }, undefined, 'invalid label name "a-b"'],
    [{ __name__: 'up', __meta_x: 'x' }, undefined, 'reserved'],
    [{ __name__: 'up', a: '1', b: '2', c: '3' }, 'max_label_names_per_series', 'has 4 labels, more than 3'],
    [{ __name__: 'up', abcdefghi: '1' }, 'max_label_name_length', 'longer than 8'],
    [{ __name__: 'up', a: '123456' }, 'max_label_value_length', 'longer than 5'],
  ])('refuses %j (limit %s)', (labels, limit, message) => {
    const problem = checkSeriesLabels(labels as Record<string, string>, limits, 'timeseries[3]');
    expect(problem?.path).toBe('timeseries[3]');
    expect(problem?.limit).toBe(limit);
    expect(problem?.message).toContain(message);
  });

  it('checks lengths every time, for names it has already seen to be valid', () => {
    const roomy = tenantLimitsSchema.parse({ maxLabelNameLength: 100, maxLabelValueLength: 100 });
    expect(checkSeriesLabels({ __name__: 'seen_metric', seenlabel: '1' }, roomy, 's')).toBeUndefined();
    expect(checkSeriesLabels({ __name__: 'up', seenlabel: '1' }, limits, 's')?.limit).toBe('max_label_name_length');
    expect(checkSeriesLabels({ __name__: 'seen_metric' }, limits, 's')?.limit).toBe('max_label_value_length');
    expect(checkSeriesLabels({ __name__: 'up', seenlabe: '1' }, limits, 's')).toBeUndefined();
    expect(checkSeriesLabels({ __name__: 'seen', 'seen-label': '1' }, roomy, 's')?.message).toContain('invalid label name');
  });

  it('has Mimir-like defaults', () => {
    expect(DEFAULT_LIMITS.maxLabelNamesPerSeries).toBe(30);
    expect(DEFAULT_LIMITS.creationGracePeriodMs).toBe(600_000);
  });
});
