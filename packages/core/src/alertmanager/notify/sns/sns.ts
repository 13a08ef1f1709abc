/**
 * Amazon SNS Publish over its Query API, signed with SigV4 (@smithy/signature-v4) and sent
 * through the guarded HttpClient: the endpoint (api_url, or the regional one) is checked
 * against the outbound policy like any URL, and timeouts and retries are ours. No AWS SDK
 * client is involved, so the cloud-neutral core imports no cloud SDK.
 */
import { createHash, createHmac } from 'node:crypto';
import type { HttpClient, HttpResponse } from '../../../ports/http';
import { authorizationHeader } from '../webhook/send';
import { withRetries, type Outcome } from '../../../http/retry';
import { DeliveryError, scrub, settle, truncateBytes, truncateRunes, type DeliveryOptions, type DeliveryResult, type Notification } from '../delivery';
import type { SNSConfig } from './config';

/** The fields of an SNS Publish request Vigil sets. */
export interface PublishInput {
  Message: string;
  TopicArn?: string;
  TargetArn?: string;
  PhoneNumber?: string;
  Subject?: string;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
  MessageAttributes?: Record<string, { DataType: 'String'; StringValue: string }>;
}

const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_SMS_RUNES = 1600;
const MAX_SUBJECT_RUNES = 100;

/** Region from an ARN (`arn:aws:sns:<region>:<account>:<name>`). */
function arnRegion(arn: string | undefined): string | undefined {
  return arn?.split(':')[3] || undefined;
}

export function buildPublishInput(cfg: SNSConfig, n: Notification): PublishInput {
  const input: PublishInput = { Message: '' };
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

/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape the SigV4 signer takes. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): string | Uint8Array =>
  typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

class NodeSha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

/** The Query API form of a Publish request. */
export function publishForm(input: PublishInput): string {
  const form = new URLSearchParams({ Action: 'Publish', Version: '2010-03-31' });
  for (const key of ['TopicArn', 'TargetArn', 'PhoneNumber', 'Message', 'Subject', 'MessageGroupId', 'MessageDeduplicationId'] as const) {
    const v = input[key];
    if (v !== undefined) form.set(key, v);
  }
  Object.entries(input.MessageAttributes ?? {}).forEach(([name, value], i) => {
    form.set(`MessageAttributes.entry.${i + 1}.Name`, name);
    form.set(`MessageAttributes.entry.${i + 1}.Value.DataType`, value.DataType);
    form.set(`MessageAttributes.entry.${i + 1}.Value.StringValue`, value.StringValue);
  });
  return form.toString();
}

/** The text of the first `<name>` element of an SNS XML answer (Code, Message). */
function xmlField(body: string, name: string): string | undefined {
  const start = body.indexOf(`<${name}>`);
  if (start < 0) return undefined;
  const end = body.indexOf('<', start + name.length + 2);
  return end < 0 ? undefined : body.slice(start + name.length + 2, end);
}

/** SNS answers: 2xx published; throttling and 5xx retried; other 4xx are final. */
function classify(secrets: ReadonlyArray<string | undefined>) {
  return (res: HttpResponse): Outcome => {
    if (res.status >= 200 && res.status < 300) return { kind: 'success' };
    const code = xmlField(res.body, 'Code') ?? 'error';
    const reason = scrub(`SNS ${code} (HTTP ${res.status}): ${xmlField(res.body, 'Message') ?? ''}`, secrets);
    return res.status >= 500 || res.status === 429 || /Throttl/i.test(code) ? { kind: 'retry', reason } : { kind: 'fail', reason };
  };
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
  const url = new URL(cfg.api_url ?? `https://sns.${region}.amazonaws.com/`);
  const body = publishForm(buildPublishInput(cfg, n));
  // Loaded on the first SNS notification only: the signer and the @smithy modules it pulls in
  // (which load node:crypto as they initialise) would otherwise run at every cold start.
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const signer = new SignatureV4({
    service: 'sns',
    region,
    credentials: { accessKeyId: cfg.sigv4.access_key, secretAccessKey: cfg.sigv4.secret_key },
    sha256: NodeSha256,
  });
  const result = await withRetries(
    async () => {
      // Signed per attempt: the signature carries the time.
      const signed = await signer.sign({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname || '/',
        query: {},
        headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
      });
      const { host: _host, ...headers } = signed.headers;
      return http.request({ url: url.toString(), method: 'POST', headers, body, timeoutMs: options.timeoutMs });
    },
    { ...options.retry, classify: classify(secrets) },
  );
  return settle('sns', result, secrets);
}
