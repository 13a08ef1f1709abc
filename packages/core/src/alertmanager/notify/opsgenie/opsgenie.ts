/**
 * Opsgenie Alert API v2: create while the group fires, close when it is resolved, both
 * addressed by alias = SHA-256 of the group key (Alertmanager's key.Hash()), so repeated
 * notifications of a group update one Opsgenie alert.
 */
import type { HttpClient } from '../../../ports/http';
import { authorizationHeader } from '../webhook/send';
import { DeliveryError, omitEmpty, postWithRetries, settle, truncateRunes, type DeliveryOptions, type DeliveryResult, type Notification } from '../delivery';
import type { OpsgenieConfig } from './config';

const MAX_MESSAGE_RUNES = 130;
const PRIORITY = /^P[1-5]$/;

const splitList = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export interface OpsgenieRequest {
  url: string;
  body: Record<string, unknown>;
}

export function buildOpsgenieRequest(cfg: OpsgenieConfig, n: Notification): OpsgenieRequest {
  const base = cfg.api_url.endsWith('/') ? cfg.api_url : `${cfg.api_url}/`;
  const alias = n.keyHash;
  if (!n.firing) {
    return { url: `${base}v2/alerts/${alias}/close?identifierType=alias`, body: { source: n.render(cfg.source, 'source') } };
  }
  const responders: Record<string, string>[] = [];
  (cfg.responders ?? []).forEach((r, i) => {
    const type = n.render(r.type, `responders[${i}].type`).toLowerCase();
    if (!/^(team|teams|user|escalation|schedule)$/.test(type)) throw new DeliveryError(`opsgenie: responder type ${JSON.stringify(type)} is not one of team, teams, user, escalation, schedule`, false);
    const name = n.render(r.name, `responders[${i}].name`);
    if (type === 'teams') {
      for (const team of splitList(name)) responders.push({ type: 'team', name: team });
      return;
    }
    responders.push(omitEmpty({ id: n.render(r.id, `responders[${i}].id`), name, username: n.render(r.username, `responders[${i}].username`), type }) as Record<string, string>);
  });
  const priority = n.render(cfg.priority, 'priority');
  if (priority && !PRIORITY.test(priority)) throw new DeliveryError(`opsgenie: priority ${JSON.stringify(priority)} is not one of P1..P5`, false);
  return {
    url: `${base}v2/alerts`,
    body: omitEmpty({
      alias,
      message: truncateRunes(n.render(cfg.message, 'message'), MAX_MESSAGE_RUNES).text,
      description: n.render(cfg.description, 'description'),
      details: n.renderMap(cfg.details, 'details'),
      source: n.render(cfg.source, 'source'),
      responders,
      tags: splitList(n.render(cfg.tags, 'tags')),
      note: n.render(cfg.note, 'note'),
      priority,
      entity: n.render(cfg.entity, 'entity'),
      actions: splitList(n.render(cfg.actions, 'actions')),
    }),
  };
}

/** Opsgenie answers 202 Accepted; 429 (rate limit) and 5xx are retried, other 4xx are not. */
export async function notifyOpsgenie(http: HttpClient, cfg: OpsgenieConfig, n: Notification, options: DeliveryOptions): Promise<DeliveryResult> {
  if (!cfg.api_key) throw new DeliveryError('opsgenie: no api_key configured', false);
  try {
    // The GenieKey header authenticates; this only refuses http_config settings we cannot honour (proxies, oauth2).
    authorizationHeader(cfg.http_config);
  } catch (err) {
    throw new DeliveryError(`opsgenie: ${(err as Error).message}`, false);
  }
  const req = buildOpsgenieRequest(cfg, n);
  const result = await postWithRetries(http, req.url, JSON.stringify(req.body), { authorization: `GenieKey ${cfg.api_key}` }, options);
  return settle('opsgenie', result, [cfg.api_key]);
}
