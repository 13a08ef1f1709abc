/**
 * Slack: an incoming-webhook (or chat.postMessage) message. The title, text and link become
 * Block Kit blocks; the rest of Alertmanager's attachment (colour bar, fields, actions, images,
 * footer) is kept as a secondary attachment, so existing slack_configs render as expected.
 */
import type { HttpClient, HttpResponse } from '../../../ports/http';
import { classifyHttpResponse, type Outcome } from '../../../http/retry';
import { authorizationHeader } from '../webhook/send';
import { DeliveryError, omitEmpty, postWithRetries, settle, truncateRunes, type DeliveryOptions, type DeliveryResult, type Notification } from '../delivery';
import type { SlackConfig } from './config';

/** Slack's limits: attachment titles (Alertmanager cuts at 1024), header blocks, section text. */
const MAX_TITLE_RUNES = 1024;
const MAX_HEADER_CHARS = 150;
const MAX_SECTION_CHARS = 3000;

export interface SlackMessage {
  channel?: string;
  username?: string;
  icon_emoji?: string;
  icon_url?: string;
  link_names?: boolean;
  text: string;
  blocks: unknown[];
  attachments?: Record<string, unknown>[];
}

export function buildSlackMessage(cfg: SlackConfig, n: Notification): SlackMessage {
  const title = truncateRunes(n.render(cfg.title, 'title'), MAX_TITLE_RUNES).text;
  const titleLink = n.render(cfg.title_link, 'title_link');
  const text = n.render(cfg.text, 'text');
  const fallback = n.render(cfg.fallback, 'fallback');
  const blocks: unknown[] = [];
  if (title) blocks.push({ type: 'header', text: { type: 'plain_text', text: truncateRunes(title, MAX_HEADER_CHARS).text, emoji: true } });
  if (text) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncateRunes(text, MAX_SECTION_CHARS).text } });
  if (titleLink) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${titleLink}|${escapeLinkText(title || titleLink)}>` }] });

  const fields = (cfg.fields ?? []).map((f, i) => ({ title: n.render(f.title, `fields[${i}].title`), value: n.render(f.value, `fields[${i}].value`), short: f.short ?? cfg.short_fields }));
  const actions = (cfg.actions ?? []).map((a, i) =>
    omitEmpty({
      type: n.render(a.type, `actions[${i}].type`),
      text: n.render(a.text, `actions[${i}].text`),
      url: n.render(a.url, `actions[${i}].url`),
      style: n.render(a.style, `actions[${i}].style`),
      name: n.render(a.name, `actions[${i}].name`),
      value: n.render(a.value, `actions[${i}].value`),
      confirm: a.confirm
        ? omitEmpty({
            title: n.render(a.confirm.title, `actions[${i}].confirm.title`),
            text: n.render(a.confirm.text, `actions[${i}].confirm.text`),
            ok_text: n.render(a.confirm.ok_text, `actions[${i}].confirm.ok_text`),
            dismiss_text: n.render(a.confirm.dismiss_text, `actions[${i}].confirm.dismiss_text`),
          })
        : undefined,
    }),
  );
  const extra = omitEmpty({
    pretext: n.render(cfg.pretext, 'pretext'),
    fields,
    actions,
    image_url: n.render(cfg.image_url, 'image_url'),
    thumb_url: n.render(cfg.thumb_url, 'thumb_url'),
    footer: n.render(cfg.footer, 'footer'),
    callback_id: n.render(cfg.callback_id, 'callback_id'),
  });
  const attachment = { color: n.render(cfg.color, 'color'), fallback, ...extra, mrkdwn_in: cfg.mrkdwn_in };
  return {
    ...omitEmpty({
      channel: n.render(cfg.channel, 'channel'),
      username: n.render(cfg.username, 'username'),
      icon_emoji: n.render(cfg.icon_emoji, 'icon_emoji'),
      icon_url: n.render(cfg.icon_url, 'icon_url'),
    }),
    ...(cfg.link_names ? { link_names: true } : {}),
    // Shown in notifications and by clients that cannot render blocks.
    text: fallback || title,
    blocks,
    // The colour bar always; the other attachment fields when the config has any.
    attachments: [attachment],
  };
}

function escapeLinkText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '¦');
}

/**
 * Slack's answers: 2xx is delivered — unless chat.postMessage says `{"ok":false}` in a 200,
 * which is permanent (bad token, unknown channel) except `ratelimited`. 429 and 5xx are retried
 * (honouring Retry-After); other 4xx (invalid_payload, channel_not_found, ...) are not.
 */
export function classifySlackResponse(res: HttpResponse, nowMs: number): Outcome {
  const base = classifyHttpResponse(res, nowMs);
  if (base.kind !== 'success') return base;
  if (res.body.trimStart().startsWith('{')) {
    try {
      const body = JSON.parse(res.body) as { ok?: boolean; error?: string };
      if (body.ok === false) {
        return body.error === 'ratelimited' ? { kind: 'retry', reason: 'Slack error: ratelimited' } : { kind: 'fail', reason: `Slack error: ${body.error ?? 'unknown'}` };
      }
    } catch {
      // not JSON: an incoming webhook's plain "ok"
    }
  }
  return base;
}

export async function notifySlack(http: HttpClient, cfg: SlackConfig, n: Notification, options: DeliveryOptions): Promise<DeliveryResult> {
  const secrets = [cfg.api_url];
  if (!cfg.api_url) throw new DeliveryError('slack: no api_url configured', false);
  let auth: string | undefined;
  try {
    auth = authorizationHeader(cfg.http_config);
  } catch (err) {
    throw new DeliveryError(`slack: ${(err as Error).message}`, false);
  }
  const message = buildSlackMessage(cfg, n);
  const headers: Record<string, string> = auth ? { authorization: auth } : {};
  const result = await postWithRetries(http, cfg.api_url, JSON.stringify(message), headers, options, classifySlackResponse);
  return settle('slack', result, secrets);
}
