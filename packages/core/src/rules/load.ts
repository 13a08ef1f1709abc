import { parseWith } from '../errors';
import { parseUserYaml } from '../yaml';
import { ruleFileSchema, ruleGroupSchema, type RuleFile, type RuleGroup } from './schema';

/** Parses one rule group as the Mimir ruler API receives it (a YAML group body). */
export function parseRuleGroupYaml(text: string): RuleGroup {
  return parseWith(ruleGroupSchema, parseUserYaml(text));
}

/** Parses a whole Prometheus rule file (`groups:`). */
export function parseRuleFileYaml(text: string): RuleFile {
  return parseWith(ruleFileSchema, parseUserYaml(text));
}
