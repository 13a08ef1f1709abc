/**
 * The routing tree, with Alertmanager's semantics (dispatch/route.go): options are inherited
 * from the parent unless set, matchers are sorted, and matching is depth-first, taking the first
 * matching child unless that child says `continue`, falling back to the node itself when no
 * child matches.
 */
import type { Labels } from '../../model/labels';
import {
  compileMatcher,
  matchersToString,
  matchesLabels,
  parseMatchers,
  sortMatchers,
  type CompiledMatcher,
} from '../matchers';
import {
  DEFAULT_GROUP_INTERVAL_MS,
  DEFAULT_GROUP_WAIT_MS,
  DEFAULT_REPEAT_INTERVAL_MS,
  type RouteConfig,
} from '../config/schema';

/** The options in force at a route once inheritance is applied. Durations in milliseconds. */
export interface RouteOpts {
  receiver: string;
  /** Sorted label names to group by (empty when grouping by all or by nothing). */
  groupBy: string[];
  /** `group_by: ['...']`: every label of the alert is a grouping label. */
  groupByAll: boolean;
  groupWait: number;
  groupInterval: number;
  repeatInterval: number;
  /** Not inherited: each route names its own, as in Alertmanager. */
  muteTimeIntervals: string[];
  activeTimeIntervals: string[];
}

export interface Route {
  /** Parent keys and own matchers, `{}/{severity="page"}`; not unique in general. */
  key: string;
  /** The key plus each node's position among its siblings: unique in the tree. */
  id: string;
  matchers: CompiledMatcher[];
  continue: boolean;
  opts: RouteOpts;
  routes: Route[];
  parent?: Route;
}

/** One route an alert goes to, with the options in force there. */
export interface RouteMatch extends RouteOpts {
  route: Route;
  routeKey: string;
  routeId: string;
}

export const DEFAULT_ROUTE_OPTS: RouteOpts = {
  receiver: '',
  groupBy: [],
  groupByAll: false,
  groupWait: DEFAULT_GROUP_WAIT_MS,
  groupInterval: DEFAULT_GROUP_INTERVAL_MS,
  repeatInterval: DEFAULT_REPEAT_INTERVAL_MS,
  muteTimeIntervals: [],
  activeTimeIntervals: [],
};

function routeMatchers(cfg: RouteConfig): CompiledMatcher[] {
  const out: CompiledMatcher[] = [];
  for (const [name, value] of Object.entries(cfg.match ?? {})) out.push(compileMatcher({ name, type: '=', value }));
  // Alertmanager anchors `match_re` patterns itself, and route (and group) keys show them so.
  for (const [name, value] of Object.entries(cfg.match_re ?? {})) out.push(compileMatcher({ name, type: '=~', value: `^(?:${value})$` }));
  for (const line of cfg.matchers ?? []) out.push(...parseMatchers(line));
  return sortMatchers(out);
}

function inheritOpts(cfg: RouteConfig, parent: RouteOpts): RouteOpts {
  const opts: RouteOpts = { ...parent };
  if (cfg.receiver) opts.receiver = cfg.receiver;
  // `'...'` is not a label name: a list holding only it sets groupByAll and leaves the named
  // list unset, so — as in Alertmanager — `group_by: []` also inherits the parent's grouping.
  const named = (cfg.group_by ?? []).filter((l) => l !== '...');
  const all = (cfg.group_by ?? []).includes('...');
  if (named.length > 0) {
    opts.groupBy = [...new Set(named)].sort();
    opts.groupByAll = false;
  } else if (all) {
    opts.groupByAll = true;
  }
  if (cfg.group_wait !== undefined) opts.groupWait = cfg.group_wait;
  if (cfg.group_interval !== undefined) opts.groupInterval = cfg.group_interval;
  if (cfg.repeat_interval !== undefined) opts.repeatInterval = cfg.repeat_interval;
  opts.muteTimeIntervals = [...(cfg.mute_time_intervals ?? [])];
  opts.activeTimeIntervals = [...(cfg.active_time_intervals ?? [])];
  return opts;
}

/** Builds the tree from a validated route config (the root of `parseAlertmanagerConfig`). */
export function buildRouteTree(cfg: RouteConfig, parent?: Route, index = 0): Route {
  const matchers = routeMatchers(cfg);
  const own = matchersToString(matchers);
  const route: Route = {
    key: parent ? `${parent.key}/${own}` : own,
    id: parent ? `${parent.id}/${own}/${index}` : own,
    matchers,
    continue: cfg.continue ?? false,
    opts: inheritOpts(cfg, parent ? parent.opts : DEFAULT_ROUTE_OPTS),
    routes: [],
    parent,
  };
  route.routes = (cfg.routes ?? []).map((child, i) => buildRouteTree(child, route, i));
  return route;
}

function isRoute(r: Route | RouteConfig): r is Route {
  return typeof (r as Route).key === 'string' && Array.isArray((r as Route).routes) && 'opts' in r;
}

const compiled = new WeakMap<RouteConfig, Route>();

function toRoute(r: Route | RouteConfig): Route {
  if (isRoute(r)) return r;
  let tree = compiled.get(r);
  if (!tree) {
    tree = buildRouteTree(r);
    compiled.set(r, tree);
  }
  return tree;
}

function matchNode(route: Route, labels: Labels): Route[] {
  if (!matchesLabels(route.matchers, labels)) return [];
  const all: Route[] = [];
  for (const child of route.routes) {
    const found = matchNode(child, labels);
    all.push(...found);
    // `continue` is read on the child we descended into, not on the leaves it returned.
    if (found.length > 0 && !child.continue) break;
  }
  if (all.length === 0) all.push(route);
  return all;
}

/** The routes an alert with these labels goes to, in tree order. Empty only if the root does not match. */
export function matchRoutes(route: Route | RouteConfig, labels: Labels): RouteMatch[] {
  return matchNode(toRoute(route), labels).map((r) => ({ ...r.opts, route: r, routeKey: r.key, routeId: r.id }));
}

/** Every node, depth-first (the order Alertmanager's Walk uses). */
export function walkRouteTree(route: Route, visit: (r: Route) => void): void {
  visit(route);
  for (const child of route.routes) walkRouteTree(child, visit);
}
