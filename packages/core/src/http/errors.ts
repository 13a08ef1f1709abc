/**
 * Outbound failures, each saying whether trying again could help. Retry logic reads
 * `retryable`; dead-letter records read `message`.
 */
export class OutboundError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}

/** The destination is not allowed by the outbound policy (or is not an http(s) URL). Never retried. */
export class OutboundRefusedError extends OutboundError {
  constructor(message: string) {
    super(message, false, 'REFUSED');
    this.name = 'OutboundRefusedError';
  }
}

/** The attempt ran past its timeout. */
export class OutboundTimeoutError extends OutboundError {
  constructor(message: string) {
    super(message, true, 'TIMEOUT');
    this.name = 'OutboundTimeoutError';
  }
}

/** Name resolution or connection failed, or the connection broke. */
export class OutboundNetworkError extends OutboundError {
  constructor(message: string, code?: string) {
    super(message, true, code);
    this.name = 'OutboundNetworkError';
  }
}

export function isRetryableError(err: unknown): boolean {
  if (err instanceof OutboundError) return err.retryable;
  // Unknown throwables from lower layers (socket resets and the like) are worth another try.
  return true;
}
