/**
 * Rule label and annotation templates: Go's text/template language with Prometheus' data and
 * functions. A template sees `.Labels`, `.ExternalLabels`, `.ExternalURL` and `.Value`, and the
 * variables `$labels`, `$externalLabels`, `$externalURL` and `$value`, as Prometheus declares
 * them. Syntax errors and unknown functions are reported when a rule is uploaded, with the
 * offset of the problem; errors while rendering become the value
 * `<error expanding template: ...>`, as in Prometheus.
 */
import { formatFloat, goSprintf, type GoValue } from './gofmt';
import { execute, TemplateExecError, type TemplateFunction } from './exec';
import { QUERY_FUNCTIONS, TEMPLATE_FUNCTION_NAMES, templateFunctions } from './funcs';
import { parseTemplate as parseNodes, TemplateError, type Node } from './parse';

export { TemplateError } from './parse';
export { TemplateExecError } from './exec';
export { formatFloat, goPrint, goSprintf, type GoValue } from './gofmt';

export interface TemplateData {
  /** The labels of the sample, `__name__` included (Prometheus passes the metric's labels). */
  labels: Record<string, string>;
  value: number;
  externalLabels?: Record<string, string>;
  externalURL?: string;
}

const PREDECLARED = ['$labels', '$externalLabels', '$externalURL', '$value'];
const KNOWN = new Set([...TEMPLATE_FUNCTION_NAMES, ...QUERY_FUNCTIONS]);

const CACHE_MAX = 5000;
const cache = new Map<string, Node[]>();

/** Parses a template, throwing TemplateError with the offset of the first problem. */
export function parseTemplate(template: string): Node[] {
  const hit = cache.get(template);
  if (hit) return hit;
  const nodes = parseNodes(template, KNOWN, PREDECLARED);
  refuseQueryFunctions(nodes);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(template, nodes);
  return nodes;
}

function refuseQueryFunctions(nodes: Node[]): void {
  const stack = [...nodes];
  const visitPipe = (p: { cmds: { args: import('./parse').Arg[] }[] }) => {
    for (const c of p.cmds) {
      for (const a of c.args) {
        if (a.kind === 'ident' && QUERY_FUNCTIONS.has(a.name)) {
          throw new TemplateError(`function "${a.name}" (queries inside templates) is not supported`, a.pos);
        }
        if (a.kind === 'pipe') visitPipe(a.pipe);
      }
    }
  };
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.kind === 'text') continue;
    visitPipe(n.pipe);
    if (n.kind !== 'action') stack.push(...n.list, ...n.elseList);
  }
}

/** Returns an error message with position, or undefined when the template is valid. */
export function checkTemplate(template: string): string | undefined {
  try {
    parseTemplate(template);
    return undefined;
  } catch (err) {
    if (err instanceof TemplateError) return `${err.message} at offset ${err.position}`;
    throw err;
  }
}

const functionsByUrl = new Map<string, Map<string, TemplateFunction>>();
function functionsFor(externalURL: string): Map<string, TemplateFunction> {
  let fns = functionsByUrl.get(externalURL);
  if (!fns) {
    if (functionsByUrl.size > 100) functionsByUrl.clear();
    fns = templateFunctions({ externalURL });
    functionsByUrl.set(externalURL, fns);
  }
  return fns;
}

/**
 * Renders a template as Prometheus renders alert labels and annotations. A template that fails
 * to parse or to execute renders as `<error expanding template: reason>`, so one bad annotation
 * does not stop the alert.
 */
export function expandTemplate(template: string, data: TemplateData): string {
  if (!template.includes('{{')) return template;
  try {
    const nodes = parseTemplate(template);
    const dot: GoValue = {
      Labels: data.labels,
      ExternalLabels: data.externalLabels ?? {},
      ExternalURL: data.externalURL ?? '',
      Value: data.value,
    };
    const vars: Record<string, GoValue> = {
      $labels: data.labels,
      $externalLabels: data.externalLabels ?? {},
      $externalURL: data.externalURL ?? '',
      $value: data.value,
    };
    return execute(nodes, dot, vars, functionsFor(data.externalURL ?? ''));
  } catch (err) {
    if (err instanceof TemplateError || err instanceof TemplateExecError) return `<error expanding template: ${err.message}>`;
    throw err;
  }
}

/** fmt's %v for a float64 (how `{{ $value }}` prints). */
export function formatGoValue(v: number): string {
  return formatFloat(v, 'g', -1);
}

/** fmt.Sprintf for callers outside templates. */
export function sprintf(format: string, ...args: GoValue[]): string {
  return goSprintf(format, args);
}

/** A sample value as the Prometheus HTTP API prints it (JSON number strings). */
export function formatGoFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(v);
}
