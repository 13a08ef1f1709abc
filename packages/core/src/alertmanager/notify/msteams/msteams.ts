/** Microsoft Teams: an Adaptive Card message posted to a workflow webhook URL. */
import type { HttpClient } from '../../../ports/http';
import { authorizationHeader } from '../webhook/send';
import { DeliveryError, postWithRetries, settle, type DeliveryOptions, type DeliveryResult, type Notification } from '../delivery';
import type { MSTeamsConfig } from './config';

export function buildTeamsMessage(cfg: MSTeamsConfig, n: Notification): Record<string, unknown> {
  const title = n.render(cfg.title, 'title');
  const text = n.render(cfg.text, 'text');
  const summary = n.render(cfg.summary, 'summary');
  return {
    type: 'message',
    summary,
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', wrap: true, style: 'heading', color: n.firing ? 'Attention' : 'Good' },
            { type: 'TextBlock', text, wrap: true },
          ],
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}

/** Workflows answer 202 Accepted; 429 and 5xx are retried, other 4xx are not. */
export async function notifyMSTeams(http: HttpClient, cfg: MSTeamsConfig, n: Notification, options: DeliveryOptions): Promise<DeliveryResult> {
  let auth: string | undefined;
  try {
    auth = authorizationHeader(cfg.http_config);
  } catch (err) {
    throw new DeliveryError(`msteams: ${(err as Error).message}`, false);
  }
  const body = JSON.stringify(buildTeamsMessage(cfg, n));
  const result = await postWithRetries(http, cfg.webhook_url, body, auth ? { authorization: auth } : {}, options);
  return settle('msteams', result, [cfg.webhook_url]);
}
