export * from './webhook';
export * as webhook from './webhook';
export * from './delivery';
export { slackConfigSchema, resolveSlackConfig, type SlackConfig } from './slack/config';
export { buildSlackMessage, notifySlack, classifySlackResponse } from './slack/slack';
export { msteamsConfigSchema, resolveMSTeamsConfig, type MSTeamsConfig } from './msteams/config';
export { buildTeamsMessage, notifyMSTeams } from './msteams/msteams';
export { pagerdutyConfigSchema, resolvePagerdutyConfig, DEFAULT_PAGERDUTY_DETAILS, type PagerdutyConfig } from './pagerduty/config';
export { buildPagerdutyEvent, notifyPagerduty } from './pagerduty/pagerduty';
export { opsgenieConfigSchema, resolveOpsgenieConfig, type OpsgenieConfig } from './opsgenie/config';
export { buildOpsgenieRequest, notifyOpsgenie } from './opsgenie/opsgenie';
export { emailConfigSchema, resolveEmailConfig, type EmailConfig } from './email/config';
// The e-mail sender is exported from the core's top level instead (see ../../index.ts).
export { snsConfigSchema, resolveSNSConfig, type SNSConfig } from './sns/config';
export { buildPublishInput, notifySNS } from './sns/sns';
export { RECEIVER_SCHEMAS, checkReceiverConfigs, type ReceiverKind } from './schemas';
