/**
 * Inhibition as Alertmanager 0.25 applies it (inhibit/inhibit.go): an alert matching a rule's
 * target matchers is muted while some *firing* alert matches the rule's source matchers and
 * agrees with it on every `equal` label (a missing label reads as the empty string). When the
 * target alert matches the source side too, sources that also match the target side do not
 * count — so an alert never inhibits itself, and two alerts matching both sides do not inhibit
 * each other.
 */
import type { Labels } from '../../model/labels';
import type { InhibitRuleConfig } from '../config/schema';
import { compileMatcher, matchesLabels, parseMatchers, type CompiledMatcher } from '../matchers';

export interface InhibitRule {
  source: CompiledMatcher[];
  target: CompiledMatcher[];
  equal: string[];
}

/** An alert the inhibitor looks at: its labels, fingerprint and whether it fires at `now`. */
export interface InhibitCandidate {
  fingerprint: string;
  labels: Labels;
  endsAt: number;
}

function sideMatchers(match: Record<string, string> | undefined, matchRe: Record<string, string> | undefined, matchers: string[] | undefined): CompiledMatcher[] {
  const out: CompiledMatcher[] = [];
  for (const [name, value] of Object.entries(match ?? {})) out.push(compileMatcher({ name, type: '=', value }));
  for (const [name, value] of Object.entries(matchRe ?? {})) out.push(compileMatcher({ name, type: '=~', value }));
  for (const line of matchers ?? []) out.push(...parseMatchers(line));
  return out;
}

export function compileInhibitRules(rules: ReadonlyArray<InhibitRuleConfig>): InhibitRule[] {
  return rules.map((r) => ({
    source: sideMatchers(r.source_match, r.source_match_re, r.source_matchers),
    target: sideMatchers(r.target_match, r.target_match_re, r.target_matchers),
    equal: [...new Set(r.equal ?? [])],
  }));
}

/** Whether any rule could mute an alert with these labels (it matches some rule's target side). */
export function mayBeInhibited(rules: ReadonlyArray<InhibitRule>, labels: Labels): boolean {
  return rules.some((r) => matchesLabels(r.target, labels));
}

/**
 * Holds the firing source alerts of every rule, computed once per evaluation so checking many
 * targets costs one pass over the tenant's alerts.
 */
export class Inhibitor {
  private readonly sources: InhibitCandidate[][];

  constructor(
    private readonly rules: ReadonlyArray<InhibitRule>,
    alerts: Iterable<InhibitCandidate>,
    now: number,
  ) {
    this.sources = rules.map(() => []);
    for (const a of alerts) {
      if (a.endsAt <= now) continue; // a resolved alert inhibits nothing
      rules.forEach((rule, i) => {
        if (matchesLabels(rule.source, a.labels)) this.sources[i]!.push(a);
      });
    }
  }

  /** Fingerprints of the alerts inhibiting an alert with these labels (empty: not inhibited). */
  inhibitedBy(labels: Labels): string[] {
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i]!;
      if (!matchesLabels(rule.target, labels)) continue;
      const twoSided = matchesLabels(rule.source, labels);
      for (const src of this.sources[i]!) {
        if (!rule.equal.every((n) => (src.labels[n] ?? '') === (labels[n] ?? ''))) continue;
        if (twoSided && matchesLabels(rule.target, src.labels)) continue;
        // Alertmanager stops at the first rule and source that mute the alert.
        return [src.fingerprint];
      }
    }
    return [];
  }

  mutes(labels: Labels): boolean {
    return this.inhibitedBy(labels).length > 0;
  }
}
