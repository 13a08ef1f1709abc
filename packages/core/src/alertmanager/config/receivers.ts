/**
 * Checks on the loosely typed receiver kinds that Alertmanager performs when it loads a file:
 * their `http_config` is validated like a webhook's, and settings that may come from `global`
 * must come from somewhere.
 */
import { formatPath, type Issue } from '../../errors';
import { httpConfigSchema } from './http-config';
import { checkReceiverConfigs } from '../notify/schemas';
import { OTHER_RECEIVER_KINDS, type GlobalConfig, type ReceiverConfig } from './schema';

const isSet = (v: unknown) => typeof v === 'string' && v !== '';

export function checkOtherReceivers(receivers: ReceiverConfig[], global: GlobalConfig): Issue[] {
  const issues: Issue[] = [];
  receivers.forEach((r, ri) => {
    // The kinds Vigil sends to get their strict schema (fields, types, template syntax).
    issues.push(...checkReceiverConfigs(r as Record<string, unknown>, ri));
    for (const kind of OTHER_RECEIVER_KINDS) {
      (r[kind] ?? []).forEach((cfg, ci) => {
        const at = (...rest: PropertyKey[]) => formatPath(['receivers', ri, kind, ci, ...rest]);
        const add = (message: string, ...rest: PropertyKey[]) => issues.push({ path: at(...rest), message });
        if (cfg.http_config !== undefined) {
          const parsed = httpConfigSchema.safeParse(cfg.http_config);
          if (!parsed.success) {
            for (const i of parsed.error.issues) issues.push({ path: at('http_config', ...i.path), message: i.message });
          }
        }
        switch (kind) {
          case 'slack_configs':
            if (!isSet(cfg.api_url) && !isSet(global.slack_api_url)) add('no global Slack API URL set');
            break;
          case 'email_configs':
            if (!isSet(cfg.to)) add('missing to address in email config');
            if (!isSet(cfg.smarthost) && !isSet(global.smtp_smarthost)) add('no global SMTP smarthost set');
            if (!isSet(cfg.from) && !isSet(global.smtp_from)) add('no global SMTP from set');
            break;
          case 'pagerduty_configs':
            if (!isSet(cfg.routing_key) && !isSet(cfg.service_key)) add('missing service or routing key in PagerDuty config');
            break;
          case 'opsgenie_configs':
            if (!isSet(cfg.api_key) && !isSet(global.opsgenie_api_key)) add('no global OpsGenie API Key set');
            break;
          case 'sns_configs':
            if (!isSet(cfg.topic_arn) && !isSet(cfg.phone_number) && !isSet(cfg.target_arn)) {
              add('must provide either a Target ARN, Topic ARN, or Phone Number for SNS config');
            }
            break;
          default:
            break;
        }
      });
    }
  });
  return issues;
}
