/**
 * PagerDuty Events API v2: `trigger` while any alert of the group fires, `resolve` when all are
 * resolved, both with dedup_key = SHA-256 of the group key (Alertmanager's key.Hash()), so
 * PagerDuty folds the group's notifications into one incident and resolves it.
 */
import type { HttpClient, HttpResponse } from '../../../ports/http';
import { classifyHttpResponse, type Outcome } from '../../../http/retry';
import { authorizationHeader } from '../webhook/send';
import { DeliveryError, omitEmpty, postWithRetries, settle, truncateRunes, type DeliveryOptions, type DeliveryResult, type Notification } from '../delivery';
import type { PagerdutyConfig } from './config';

const MAX_SUMMARY_RUNES = 1024;
const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

export function buildPagerdutyEvent(cfg: PagerdutyConfig, n: Notification): Record<string, unknown> {
  const client = n.render(cfg.client, 'client');
  let severity = n.render(cfg.severity, 'severity');
  // PagerDuty refuses unknown severities with a 400; Alertmanager sends what it rendered, we
  // fall back to its default so a label typo does not drop the page.
  if (!SEVERITIES.has(severity)) severity = 'error';
  const details: Record<string, string> = n.renderMap(cfg.details, 'details');
  return omitEmpty({
    routing_key: cfg.routing_key,
    event_action: n.firing ? 'trigger' : 'resolve',
    dedup_key: n.keyHash,
    payload: omitEmpty({
      summary: truncateRunes(n.render(cfg.description, 'description'), MAX_SUMMARY_RUNES).text,
      source: n.render(cfg.source, 'source') || client,
      severity,
      custom_details: details,
      class: n.render(cfg.class, 'class'),
      component: n.render(cfg.component, 'component'),
      group: n.render(cfg.group, 'group'),
    }),
    images: (cfg.images ?? []).map((im, i) => omitEmpty({ src: n.render(im.src, `images[${i}].src`), alt: n.render(im.alt, `images[${i}].alt`), href: n.render(im.href, `images[${i}].href`) })).filter((im) => im.src),
    links: (cfg.links ?? []).map((l, i) => omitEmpty({ href: n.render(l.href, `links[${i}].href`), text: n.render(l.text, `links[${i}].text`) })).filter((l) => l.href),
    client,
    client_url: n.render(cfg.client_url, 'client_url'),
  });
}

/** PagerDuty documents 202 for accepted events, 400 for invalid ones, 429 for throttling, 5xx to retry. */
export function classifyPagerdutyResponse(res: HttpResponse, nowMs: number): Outcome {
  return classifyHttpResponse(res, nowMs);
}

export async function notifyPagerduty(http: HttpClient, cfg: PagerdutyConfig, n: Notification, options: DeliveryOptions): Promise<DeliveryResult> {
  if (!cfg.routing_key) throw new DeliveryError('pagerduty: no routing_key configured', false);
  let auth: string | undefined;
  try {
    auth = authorizationHeader(cfg.http_config);
  } catch (err) {
    throw new DeliveryError(`pagerduty: ${(err as Error).message}`, false);
  }
  const body = JSON.stringify(buildPagerdutyEvent(cfg, n));
  const result = await postWithRetries(http, cfg.url, body, auth ? { authorization: auth } : {}, options, classifyPagerdutyResponse);
  return settle('pagerduty', result, [cfg.routing_key]);
}
