import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context as LambdaContext } from 'aws-lambda';
import { createApi } from '@vigil/api';
import { getRuntime, type AwsRuntime } from './context';

type LambdaFetch = (event: APIGatewayProxyEventV2, context: LambdaContext) => Promise<APIGatewayProxyResultV2>;

/**
 * API Gateway HTTP API (payload v2) → the whole HTTP API: the same Hono app the local server
 * runs, with the event translated to a web Request and the Response back (binary bodies as
 * base64). Rule changes need no scheduler refresh here: the schedule sweeps every group.
 */
/** Text responses (JSON, YAML for the ruler API, ...) go back as text; anything else as base64. */
export function isContentTypeBinary(contentType: string): boolean {
  return !/^\s*(text\/|application\/(json|yaml|x-yaml|xml|javascript|problem\+json)\b|[^;]*\+(json|xml)\b)/i.test(contentType);
}

export function apiHandler(runtime: () => Promise<AwsRuntime> = getRuntime) {
  let app: { runtime: AwsRuntime; fetch: LambdaFetch } | undefined;
  return middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, LambdaContext>().handler(async (event, context) => {
    const rt = await runtime();
    if (!app || app.runtime !== rt) app = { runtime: rt, fetch: handle(createApi(rt.ctx), { isContentTypeBinary }) as unknown as LambdaFetch };
    return app.fetch(event, context);
  });
}

export const handler = apiHandler();
