/**
 * A token bucket on injected time. It lives in one warm instance: N instances together admit up
 * to N times the rate, so a tenant's rate limit is approximate across instances (as Mimir's
 * "local" strategy is per distributor). Tokens are whole samples.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private rate: number,
    private burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Changes rate and size without losing what is in the bucket (limits may be reloaded). */
  reconfigure(rate: number, burst: number): void {
    this.rate = rate;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
    }
  }

  /**
   * Takes n tokens if they are there; else takes none and returns the ms until they would be.
   * A request larger than the whole bucket can never pass: it gets Infinity.
   */
  take(n: number, now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    this.refill(now);
    if (n <= this.tokens) {
      this.tokens -= n;
      return { ok: true };
    }
    if (n > this.burst) return { ok: false, retryAfterMs: Infinity };
    return { ok: false, retryAfterMs: Math.ceil(((n - this.tokens) / this.rate) * 1000) };
  }

  /** Gives back tokens taken for a request that was then refused for another reason. */
  giveBack(n: number): void {
    this.tokens = Math.min(this.burst, this.tokens + n);
  }

  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }
}
