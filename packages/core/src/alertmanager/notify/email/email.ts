/**
 * E-mail over SMTP (nodemailer). The smarthost is an outbound destination like any URL: its
 * name is resolved once, every address is checked against the outbound policy, and the
 * connection goes to the checked address (TLS still verifies the name). With require_tls the
 * session must upgrade with STARTTLS (port 465 speaks TLS from the start), as in Alertmanager.
 */
import type { HttpClient } from '../../../ports/http';
import { OutboundError, OutboundRefusedError } from '../../../http/errors';
import { withRetries, type Outcome } from '../../../http/retry';
import { DeliveryError, scrub, settle, type DeliveryOptions, type DeliveryResult, type Notification } from '../delivery';
import type { EmailConfig } from './config';

export interface EmailMessage {
  /** SMTP envelope: `from` and `to` of the config, whatever the headers say (as Alertmanager). */
  envelope: { from: string; to: string[] };
  from: string;
  to: string;
  subject: string;
  html?: string;
  text?: string;
  headers: Record<string, string>;
}

export function buildEmail(cfg: EmailConfig, n: Notification): EmailMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(cfg.headers)) headers[k] = n.render(v, `headers.${k}`);
  const { Subject = '', To = '', From = '', ...rest } = headers;
  const envelopeTo = n
    .render(cfg.to, 'to')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  return {
    envelope: { from: n.render(cfg.from, 'from'), to: envelopeTo },
    from: From,
    to: To,
    subject: Subject,
    html: n.render(cfg.html, 'html', true) || undefined,
    text: n.render(cfg.text, 'text') || undefined,
    headers: rest,
  };
}

function splitHostPort(smarthost: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(smarthost);
  if (!m) throw new DeliveryError(`email: smarthost ${JSON.stringify(smarthost)} is not host:port`, false);
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
}

/**
 * SMTP replies: 4xx is transient (retry), 5xx permanent; authentication and TLS failures are
 * configuration problems; connection failures and timeouts are retried.
 */
export function classifySmtpError(err: SmtpError): { retryable: boolean; reason: string } {
  const reason = err.message.split('\n')[0] ?? err.message;
  if (typeof err.responseCode === 'number') return { retryable: err.responseCode >= 400 && err.responseCode < 500, reason };
  if (err.code === 'EAUTH' || err.code === 'ETLS' || err.code === 'EENVELOPE' || err.code === 'EMESSAGE' || err.code === 'EREFUSED') return { retryable: false, reason };
  if (/certificate|self[- ]signed|TLS/i.test(err.message)) return { retryable: false, reason };
  return { retryable: true, reason };
}

/** One failed SMTP attempt, as an OutboundError so the retry helper reads its `retryable`. */
class SmtpAttemptError extends OutboundError {
  constructor(message: string, retryable: boolean) {
    super(message, retryable, 'SMTP');
    this.name = 'SmtpAttemptError';
  }
}

export async function notifyEmail(http: HttpClient, cfg: EmailConfig, n: Notification, options: DeliveryOptions): Promise<DeliveryResult> {
  const secrets = [cfg.auth_password, cfg.auth_secret, cfg.tls_config?.key];
  if (!cfg.smarthost) throw new DeliveryError('email: no smarthost configured', false);
  const { host, port } = splitHostPort(cfg.smarthost);
  if (!http.checkDestination) throw new DeliveryError('email: the outbound client cannot check SMTP destinations', false);
  let target: { address: string };
  try {
    target = await http.checkDestination(host);
  } catch (err) {
    throw new DeliveryError(`email: ${(err as Error).message}`, !(err instanceof OutboundRefusedError), 0);
  }
  const message = buildEmail(cfg, n);
  if (message.envelope.to.length === 0) throw new DeliveryError('email: no recipient (to) after templating', false);

  const timeout = options.timeoutMs ?? 10_000;
  const tls = cfg.tls_config;
  // Loaded on the first e-mail only: most functions never send one, and it is the largest dependency.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: target.address,
    port,
    secure: port === 465,
    requireTLS: cfg.require_tls && port !== 465,
    ignoreTLS: !cfg.require_tls && port !== 465,
    name: cfg.hello,
    auth: cfg.auth_username ? { user: cfg.auth_username, pass: cfg.auth_password ?? '' } : undefined,
    tls: {
      servername: tls?.server_name ?? host,
      ca: tls?.ca,
      cert: tls?.cert,
      key: tls?.key,
      rejectUnauthorized: !(tls?.insecure_skip_verify ?? false),
    },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  try {
    const result = await withRetries(
      async () => {
        try {
          await transport.sendMail({ ...message, date: new Date(n.input.now), disableFileAccess: true, disableUrlAccess: true });
          return true;
        } catch (err) {
          const c = classifySmtpError(err as SmtpError);
          throw new SmtpAttemptError(scrub(c.reason, secrets), c.retryable);
        }
      },
      { ...options.retry, classify: (): Outcome => ({ kind: 'success' }) },
    );
    return settle('email', result, secrets);
  } finally {
    transport.close();
  }
}
