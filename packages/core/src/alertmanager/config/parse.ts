/**
 * Reads an alertmanager.yml the way Alertmanager 0.25 does: strict shape, defaults, and the
 * whole-file checks (root route, references, unique names). Every problem is reported at once
 * as a ValidationError whose paths look like `route.routes[0].group_wait`.
 */
import type { z } from 'zod';
import { formatPath, ValidationError, type Issue } from '../../errors';
import { parseUserYaml } from '../../yaml';
import { findFileFields } from './files';
import { checkOtherReceivers } from './receivers';
import {
  configSchema,
  DEFAULT_GROUP_INTERVAL_MS,
  DEFAULT_GROUP_WAIT_MS,
  DEFAULT_REPEAT_INTERVAL_MS,
  globalSchema,
  type AlertmanagerConfig,
  type ReceiverConfig,
  type RouteConfig,
} from './schema';

/** zod issues as ours; an unknown key is reported at the key itself, as a strict YAML decoder would. */
function zodIssues(error: z.ZodError): Issue[] {
  const out: Issue[] = [];
  for (const i of error.issues) {
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) out.push({ path: formatPath([...i.path, k]), message: `field ${k} not found` });
    } else if (i.code === 'invalid_key') {
      // A bad map key (e.g. a label name in `match:`): the inner issue says what is wrong.
      for (const inner of i.issues) out.push({ path: formatPath(i.path), message: inner.message });
    } else {
      out.push({ path: formatPath(i.path), message: i.message });
    }
  }
  return out;
}

function walkRoutes(route: RouteConfig, path: PropertyKey[], visit: (r: RouteConfig, path: PropertyKey[]) => void): void {
  visit(route, path);
  route.routes?.forEach((child, i) => walkRoutes(child, [...path, 'routes', i], visit));
}

function checkNames(config: z.output<typeof configSchema>): Issue[] {
  const issues: Issue[] = [];
  const receivers = new Set<string>();
  config.receivers?.forEach((r, i) => {
    if (receivers.has(r.name)) issues.push({ path: formatPath(['receivers', i, 'name']), message: `notification config name ${JSON.stringify(r.name)} is not unique` });
    receivers.add(r.name);
  });
  // Both lists share one namespace: routes refer to either by name.
  const intervals = new Set<string>();
  for (const list of ['mute_time_intervals', 'time_intervals'] as const) {
    config[list]?.forEach((t, i) => {
      if (intervals.has(t.name)) issues.push({ path: formatPath([list, i, 'name']), message: `time interval ${JSON.stringify(t.name)} is not unique` });
      intervals.add(t.name);
    });
  }

  const route = config.route;
  if (!route) {
    issues.push({ path: 'route', message: 'no routes provided' });
    return issues;
  }
  if (!route.receiver) issues.push({ path: 'route.receiver', message: 'root route must specify a default receiver' });
  const hasMatchers = Object.keys(route.match ?? {}).length > 0 || Object.keys(route.match_re ?? {}).length > 0 || (route.matchers ?? []).length > 0;
  if (hasMatchers) issues.push({ path: 'route', message: 'root route must not have any matchers' });
  if ((route.mute_time_intervals ?? []).length > 0) issues.push({ path: 'route.mute_time_intervals', message: 'root route must not have any mute time intervals' });
  if ((route.active_time_intervals ?? []).length > 0) issues.push({ path: 'route.active_time_intervals', message: 'root route must not have any active time intervals' });

  walkRoutes(route, ['route'], (r, path) => {
    if (r.receiver && !receivers.has(r.receiver)) {
      issues.push({ path: formatPath([...path, 'receiver']), message: `undefined receiver ${JSON.stringify(r.receiver)} used in route` });
    }
    for (const key of ['mute_time_intervals', 'active_time_intervals'] as const) {
      r[key]?.forEach((name, i) => {
        if (!intervals.has(name)) issues.push({ path: formatPath([...path, key, i]), message: `undefined time interval ${JSON.stringify(name)} used in route` });
      });
    }
  });
  return issues;
}

/** Parses and validates an Alertmanager configuration; throws ValidationError listing every issue. */
export function parseAlertmanagerConfig(yamlText: string): AlertmanagerConfig {
  const raw = parseUserYaml(yamlText) ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw ValidationError.single('', 'configuration must be a YAML mapping');

  const fileIssues = findFileFields(raw);
  if (fileIssues.length > 0) throw new ValidationError(fileIssues);

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error));
  const cfg = parsed.data;

  const global = cfg.global ?? globalSchema.parse({});
  const issues = [...checkNames(cfg), ...checkOtherReceivers((cfg.receivers ?? []) as ReceiverConfig[], global)];
  if (issues.length > 0) throw new ValidationError(issues);

  const root = cfg.route!;
  const receivers = (cfg.receivers ?? []).map((r): ReceiverConfig => {
    if (!r.webhook_configs) return r as ReceiverConfig;
    // Alertmanager gives receivers without their own http_config the global one.
    const webhook_configs = r.webhook_configs.map((w) => ({ ...w, url: w.url!, http_config: w.http_config ?? global.http_config }));
    return { ...r, webhook_configs } as ReceiverConfig;
  });

  return {
    global,
    route: {
      ...root,
      receiver: root.receiver!,
      group_wait: root.group_wait ?? DEFAULT_GROUP_WAIT_MS,
      group_interval: root.group_interval ?? DEFAULT_GROUP_INTERVAL_MS,
      repeat_interval: root.repeat_interval ?? DEFAULT_REPEAT_INTERVAL_MS,
    },
    receivers,
    inhibit_rules: cfg.inhibit_rules ?? [],
    templates: cfg.templates ?? [],
    time_intervals: cfg.time_intervals ?? [],
    mute_time_intervals: cfg.mute_time_intervals ?? [],
  };
}
