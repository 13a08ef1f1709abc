import { ManualClock } from '../ports/clock';
import type { HttpResponse } from '../ports/http';
import { OutboundNetworkError, OutboundRefusedError, OutboundTimeoutError } from './errors';
import { backoffDelay, parseRetryAfter, withRetries } from './retry';

const res = (status: number, headers: Record<string, string> = {}): HttpResponse => ({ status, headers, body: '' });

function script(steps: Array<HttpResponse | Error>) {
  let i = 0;
  const fn = jest.fn(async () => {
    const step = steps[Math.min(i++, steps.length - 1)]!;
    if (step instanceof Error) throw step;
    return step;
  });
  return fn;
}

describe('withRetries', () => {
  const opts = (clock: ManualClock, extra = {}) => ({ maxAttempts: 5, baseMs: 1000, capMs: 30_000, clock, random: () => 0.5, ...extra });

  it('retries 5xx, timeouts and network errors, then succeeds', async () => {
    const clock = new ManualClock();
    const fn = script([res(500), new OutboundTimeoutError('slow'), new OutboundNetworkError('ECONNRESET'), res(200)]);
    const r = await withRetries(fn, opts(clock));
    expect(r).toMatchObject({ ok: true, attempts: 4 });
    expect(fn).toHaveBeenCalledTimes(4);
    // full jitter at 0.5: 500 + 1000 + 2000
    expect(clock.now()).toBe(3500);
  });

  it('gives up after maxAttempts with the last reason', async () => {
    const clock = new ManualClock();
    const r = await withRetries(script([res(503)]), opts(clock, { maxAttempts: 3 }));
    expect(r).toMatchObject({ ok: false, attempts: 3, retryable: true, reason: 'HTTP 503' });
  });

  it('does not retry other 4xx, redirects or refused destinations', async () => {
    const clock = new ManualClock();
    for (const [step, reason] of [
      [res(400), 'HTTP 400'],
      [res(404), 'HTTP 404'],
      [res(302, { location: 'http://169.254.169.254/' }), 'HTTP 302 redirect not followed (to http://169.254.169.254/)'],
      [new OutboundRefusedError('refused: loopback'), 'refused: loopback'],
    ] as const) {
      const fn = script([step]);
      const r = await withRetries(fn, opts(clock));
      expect(r).toMatchObject({ ok: false, attempts: 1, retryable: false, reason });
      expect(fn).toHaveBeenCalledTimes(1);
    }
    expect(clock.now()).toBe(0);
  });

  it('retries 429 and honours Retry-After, capped', async () => {
    const clock = new ManualClock();
    const r = await withRetries(script([res(429, { 'Retry-After': '7' }), res(429, { 'retry-after': '3600' }), res(204)]), opts(clock));
    expect(r).toMatchObject({ ok: true, attempts: 3 });
    expect(clock.now()).toBe(7000 + 30_000);
  });

  it('reports each wait', async () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    await withRetries(script([res(502), res(502), res(200)]), opts(clock, { random: () => 0.999, onRetry: (i: { delayMs: number }) => seen.push(i.delayMs) }));
    expect(seen).toEqual([999, 1998]);
  });

  it('keeps the last response on failure', async () => {
    const r = await withRetries(script([{ status: 500, headers: {}, body: 'boom' }]), opts(new ManualClock(), { maxAttempts: 2 }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.value?.status).toBe(500);
      expect(r.reason).toBe('HTTP 500: boom');
    }
  });
});

describe('backoff', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    const o = { baseMs: 100, capMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, o, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, o, () => 0)).toBe(0);
    expect(backoffDelay(1, o, () => 0, 500)).toBe(500);
    expect(backoffDelay(1, o, () => 0, 5000)).toBe(1000);
  });

  it('reads Retry-After seconds and dates', () => {
    expect(parseRetryAfter('120', 0)).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT'))).toBe(60_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });
});
