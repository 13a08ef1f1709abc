import { ValidationError, type Issue } from '../errors';

/**
 * A request refused by a tenant limit. `limit` names it (Mimir's setting names), so the client
 * learns which one; status 429 only for the rate, which passes with time — every other limit
 * is 400, so retrying clients (Prometheus remote write) drop the data instead of looping.
 */
export class LimitError extends ValidationError {
  constructor(
    readonly limit: string,
    issues: Issue[],
    status: 400 | 429,
    readonly retryAfterMs?: number,
  ) {
    super(issues, status);
    this.name = 'LimitError';
  }
}
