/**
 * Rule label and annotation templates: Go's text/template language with Prometheus' data and
 * functions. A template sees `.Labels`, `.ExternalLabels`, `.ExternalURL` and `.Value`, and the
 * variables `$labels`, `$externalLabels`, `$externalURL` and `$value`, as Prometheus declares
 * them. Syntax errors and unknown functions are reported when a rule is uploaded, with the
 * offset of the problem; errors while rendering become the value
 * `<error expanding template: ...>`, as in Prometheus.
 */
import { execute, formatFloat, goSprintf as sprintfIn, parseTemplateSource, printValue, TemplateExecError, TemplateSyntaxError, type Arg, type Node, type ParsedTemplate, type Pipe, type TemplateFunction } from '../gotemplate';
import { QUERY_FUNCTIONS, RULE_VALUE_MODEL, TEMPLATE_FUNCTION_NAMES, templateFunctions } from './funcs';

// TemplateError: a template that does not parse; `pos` is the offset of the problem.
export { TemplateSyntaxError as TemplateError, TemplateExecError, formatFloat } from '../gotemplate';

/** Rule template values: Go strings, float64s, ints (bigint), bools, label maps, lists and nil. */
export type GoValue = string | number | bigint | boolean | null | undefined | { readonly [key: string]: GoValue } | GoValue[] | Date;

export interface TemplateData {
  /** The labels of the sample, `__name__` included (Prometheus passes the metric's labels). */
  labels: Record<string, string>;
  value: number;
  externalLabels?: Record<string, string>;
  externalURL?: string;
}

const PREDECLARED = ['$labels', '$externalLabels', '$externalURL', '$value'];
const KNOWN = new Set([...TEMPLATE_FUNCTION_NAMES, ...QUERY_FUNCTIONS]);
/** Output cap and step budget per label or annotation. */
const LIMITS = { maxOutputChars: 1 << 20, maxSteps: 1_000_000 };

const CACHE_MAX = 5000;
const cache = new Map<string, ParsedTemplate>();

/** Parses a template, throwing TemplateError with the offset (`pos`) of the first problem. */
export function parseTemplate(template: string): ParsedTemplate {
  const hit = cache.get(template);
  if (hit) return hit;
  const parsed = parseTemplateSource('text', template, {
    functions: KNOWN,
    predeclared: PREDECLARED,
    // Rule templates are single, unnamed texts: there is nothing to define or call by name.
    refuseKeyword: (kw) => (kw === 'define' || kw === 'template' || kw === 'block' ? `${JSON.stringify(kw)} is not supported in rule templates` : undefined),
  });
  refuseQueryFunctions(parsed.root);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(template, parsed);
  return parsed;
}

function refuseQueryFunctions(nodes: Node[]): void {
  const fail = (a: Extract<Arg, { t: 'ident' }>) => {
    throw new TemplateSyntaxError('text', 0, 0, `function "${a.name}" (queries inside templates) is not supported`, a.pos);
  };
  const visitArg = (a: Arg): void => {
    if (a.t === 'ident' && QUERY_FUNCTIONS.has(a.name)) fail(a);
    if (a.t === 'pipe') visitPipe(a.pipe);
    if (a.t === 'chain') visitArg(a.node);
  };
  const visitPipe = (p: Pipe) => {
    for (const c of p.cmds) for (const a of c.args) visitArg(a);
  };
  const stack = [...nodes];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.t === 'action') visitPipe(n.pipe);
    else if (n.t === 'if' || n.t === 'with' || n.t === 'range') {
      visitPipe(n.pipe);
      stack.push(...n.list, ...(n.elseList ?? []));
    }
  }
}

/** Returns an error message with position, or undefined when the template is valid. */
export function checkTemplate(template: string): string | undefined {
  try {
    parseTemplate(template);
    return undefined;
  } catch (err) {
    if (err instanceof TemplateSyntaxError) return `${err.reason} at offset ${err.pos}`;
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
    const parsed = parseTemplate(template);
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
    return execute({ nodes: parsed.root, from: parsed }, dot, {
      functions: functionsFor(data.externalURL ?? ''),
      model: RULE_VALUE_MODEL,
      // Prometheus runs templates with missingkey=zero: an absent label is the empty string.
      missingKey: 'zero',
      vars,
      limits: LIMITS,
    });
  } catch (err) {
    if (err instanceof TemplateSyntaxError || err instanceof TemplateExecError) return `<error expanding template: ${err.reason}>`;
    throw err;
  }
}

/** fmt's %v for a float64 (how `{{ $value }}` prints). */
export function formatGoValue(v: number): string {
  return formatFloat(v, 'g', -1);
}

/** fmt.Sprintf for callers outside templates. */
export function sprintf(format: string, ...args: GoValue[]): string {
  return sprintfIn(format, args, RULE_VALUE_MODEL);
}

/** fmt's %v for a rule template value. */
export function goPrint(v: GoValue): string {
  return printValue(v, RULE_VALUE_MODEL);
}

/** fmt.Sprintf with the arguments as a list. */
export function goSprintf(format: string, args: GoValue[]): string {
  return sprintf(format, ...args);
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
