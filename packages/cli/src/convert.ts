import { conditionsGroup, DEFAULT_CONDITIONS_GROUP, parseConditionsRequest, ruleGroupYaml, ValidationError } from '@vigil/core';

/**
 * `vigil rules convert FILE.json`: JSON conditions (one, an array, or `{group, conditions}`) as
 * a Prometheus rule file, validated as an upload would be.
 */
export function convertConditionsFile(text: string, groupName?: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw ValidationError.single('', `malformed JSON: ${(err as Error).message}`);
  }
  const request = parseConditionsRequest(body);
  return ruleGroupYaml(conditionsGroup(request.conditions, groupName ?? request.group ?? DEFAULT_CONDITIONS_GROUP));
}
