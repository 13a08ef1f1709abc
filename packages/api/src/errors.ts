import type { Context as HonoContext } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { promql, ValidationError, type Issue, type Logger } from '@vigil/core';

/** Errors in Prometheus's API shape, with every issue listed with its field path. */
export function errorBody(errorType: string, error: string, issues?: Issue[]) {
  return { status: 'error', errorType, error, ...(issues ? { issues } : {}) };
}

export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

export function handleError(err: unknown, c: HonoContext, logger: Logger) {
  if (err instanceof ValidationError) {
    // The unread rest of an oversized body makes the connection unusable: tell the client not to reuse it.
    if (err.status === 413) c.header('Connection', 'close');
    return c.json(errorBody(err.status === 413 ? 'too_large' : 'bad_data', err.message, err.issues), err.status as ContentfulStatusCode);
  }
  if (err instanceof HttpError) return c.json(errorBody(err.errorType, err.message), err.status);
  // A query that parses but cannot be evaluated (e.g. many-to-many matching): Prometheus answers 422.
  if (err instanceof promql.EvaluationError) return c.json(errorBody('execution', err.message), 422);
  logger.error('request failed', { method: c.req.method, path: c.req.path, error: err instanceof Error ? err.message : String(err) });
  return c.json(errorBody('internal', 'internal error'), 500);
}

export const success = (data: unknown = null) => ({ status: 'success', data });
