import { yamlLib } from '../yaml';
import { ValidationError } from '../errors';
import { parseRuleFileYaml } from './load';

export interface RuleCheckResult {
  /** Number of rules in the file when it is valid. */
  rules: number;
  /** One line per problem: `line:column: path: reason`. */
  errors: string[];
}

/** `groups[0].rules[1].expr` → ['groups', 0, 'rules', 1, 'expr']. */
function pathParts(path: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) parts.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return parts;
}

/** Where in the YAML text a path points (1-based line and column), if it exists. */
export function locateYamlPath(text: string, path: string): { line: number; col: number } | undefined {
  const { LineCounter, parseDocument } = yamlLib();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, schema: 'core' });
  const parts = pathParts(path);
  for (let n = parts.length; n > 0; n--) {
    const node = doc.getIn(parts.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return lineCounter.linePos(node.range[0]);
  }
  return undefined;
}

/**
 * Checks a Prometheus rule file as `promtool check rules` does (YAML, fields, durations, PromQL,
 * templates, unique names), reporting every problem with its line and column.
 */
export function checkRuleFileText(text: string): RuleCheckResult {
  try {
    const file = parseRuleFileYaml(text);
    return { rules: file.groups.reduce((n, g) => n + g.rules.length, 0), errors: [] };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return {
      rules: 0,
      errors: err.issues.map((i) => {
        if (!i.path || i.path.startsWith('line ')) return i.path ? `${i.path}: ${i.message}` : i.message;
        const at = locateYamlPath(text, i.path);
        return `${at ? `${at.line}:${at.col}: ` : ''}${i.path}: ${i.message}`;
      }),
    };
  }
}
