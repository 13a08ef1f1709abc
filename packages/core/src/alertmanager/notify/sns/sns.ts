/**
 * Amazon SNS Publish, through the AWS SDK with its HTTP layer replaced by the guarded
 * HttpClient: the endpoint (api_url, or the regional one) is checked against the outbound
 * policy like any URL, timeouts and retries are ours (the SDK's own retries are off).
 */
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import type { HttpClient } from '../../../ports/http';
import { authorizationHeader } from '../webhook/send';
import { OutboundError } from '../../../http/errors';
import { withRetries, type Outcome } from '../../../http/retry';
import { DeliveryError, scrub, settle, truncateBytes, truncateRunes, type DeliveryOptions, type DeliveryResult, type Notification } from '../delivery';
import type { SNSConfig } from './config';

const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_SMS_RUNES = 1600;
const MAX_SUBJECT_RUNES = 100;

/** Region from an ARN (`arn:aws:sns:<region>:<account>:<name>`). */
function arnRegion(arn: string | undefined): string | undefined {
  return arn?.split(':')[3] || undefined;
}

export function buildPublishInput(cfg: SNSConfig, n: Notification): PublishCommandInput {
  const input: PublishCommandInput = { Message: '' };
  const attributes = n.renderMap(cfg.attributes, 'attributes');
  let truncated = false;
  const message = n.render(cfg.message, 'message');
  if (cfg.topic_arn) {
    input.TopicArn = n.render(cfg.topic_arn, 'topic_arn');
    // FIFO topics need a group and a dedup id; the group key hash gives both, so a retried
    // publish of the same notification is dropped by SNS itself.
    if (input.TopicArn.endsWith('.fifo')) {
      input.MessageGroupId = n.keyHash;
      input.MessageDeduplicationId = n.keyHash;
    }
  }
  if (cfg.phone_number) {
    input.PhoneNumber = n.render(cfg.phone_number, 'phone_number');
    const t = truncateRunes(message, MAX_SMS_RUNES);
    input.Message = t.text;
    truncated = t.truncated;
  } else {
    const t = truncateBytes(message, MAX_MESSAGE_BYTES);
    input.Message = t.text;
    truncated = t.truncated;
  }
  if (cfg.target_arn) input.TargetArn = n.render(cfg.target_arn, 'target_arn');
  if (truncated) attributes.truncated = 'true';
  const subject = n.render(cfg.subject, 'subject');
  // SNS refuses subjects with control characters (and SMS ignores them).
  if (subject && !cfg.phone_number) input.Subject = truncateRunes(subject.replace(/[\u0000-\u001f]/g, ' '), MAX_SUBJECT_RUNES).text;
  if (Object.keys(attributes).length > 0) {
    input.MessageAttributes = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));
  }
  return input;
}

/** The SDK's HTTP handler interface, served by the guarded client. */
function guardedHandler(http: HttpClient, timeoutMs: number | undefined) {
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(request: { protocol: string; hostname: string; port?: number; path: string; query?: Record<string, string | string[] | null>; method: string; headers: Record<string, string>; body?: unknown }) {
      const query = Object.entries(request.query ?? {})
        .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v ?? '']]))
        .map(([k, v]) => `${encodeURIComponent(k!)}=${encodeURIComponent(v!)}`)
        .join('&');
      const host = request.hostname.includes(':') ? `[${request.hostname}]` : request.hostname;
      const url = `${request.protocol}//${host}${request.port ? `:${request.port}` : ''}${request.path}${query ? `?${query}` : ''}`;
      const headers = { ...request.headers };
      delete headers.host; // set from the URL by the client
      const body = typeof request.body === 'string' || request.body instanceof Uint8Array ? request.body : undefined;
      const res = await http.request({ url, method: request.method as 'POST', headers, body, timeoutMs });
      return { response: { statusCode: res.status, reason: undefined, headers: res.headers, body: Buffer.from(res.body, 'utf8') } };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
    destroy() {},
  };
}

/** An SNS service error as an OutboundError: throttling and 5xx retried, other 4xx not. */
function toOutboundError(err: unknown, secrets: ReadonlyArray<string | undefined>): unknown {
  if (err instanceof OutboundError) return err;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined) return err;
  const retryable = status >= 500 || status === 429 || /Throttl/i.test(e.name ?? '');
  return new OutboundError(scrub(`SNS ${e.name ?? 'error'} (HTTP ${status}): ${e.message ?? ''}`, secrets), retryable, String(status));
}

export async function notifySNS(http: HttpClient, cfg: SNSConfig, n: Notification, options: DeliveryOptions): Promise<DeliveryResult> {
  const secrets = [cfg.sigv4?.secret_key, cfg.sigv4?.access_key];
  const region = cfg.sigv4?.region || arnRegion(cfg.topic_arn) || arnRegion(cfg.target_arn);
  if (!region) throw new DeliveryError('sns: no region (set sigv4.region or use an ARN)', false);
  if (!cfg.sigv4?.access_key || !cfg.sigv4.secret_key) throw new DeliveryError('sns: sigv4.access_key and sigv4.secret_key are required', false);
  try {
    // SigV4 signs the request; this only refuses http_config settings we cannot honour (proxies, oauth2).
    authorizationHeader(cfg.http_config);
  } catch (err) {
    throw new DeliveryError(`sns: ${(err as Error).message}`, false);
  }
  const input = buildPublishInput(cfg, n);
  const client = new SNSClient({
    region,
    endpoint: cfg.api_url,
    credentials: { accessKeyId: cfg.sigv4.access_key, secretAccessKey: cfg.sigv4.secret_key },
    maxAttempts: 1,
    requestHandler: guardedHandler(http, options.timeoutMs) as never,
  });
  try {
    const result = await withRetries(
      async () => {
        try {
          return await client.send(new PublishCommand(input));
        } catch (err) {
          throw toOutboundError(err, secrets);
        }
      },
      { ...options.retry, classify: (): Outcome => ({ kind: 'success' }) },
    );
    return settle('sns', result, secrets);
  } finally {
    client.destroy();
  }
}
