/**
 * Rule label and annotation templates, in the subset of Go text/template that alerting
 * rules use most: `{{ $labels.name }}`, `{{ .Labels.name }}`, `{{ index $labels "name" }}`,
 * `{{ $value }}` / `{{ .Value }}`, `{{ $externalLabels.name }}`, each optionally piped
 * through `humanize`, `humanizePercentage`, `humanizeDuration`, `printf "<fmt>"`.
 * Anything else is rejected when the rule is uploaded, with its position.
 */
export interface TemplateData {
  labels: Record<string, string>;
  value: number;
  externalLabels?: Record<string, string>;
}

export class TemplateError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

type Source = { kind: 'label'; from: 'labels' | 'externalLabels'; name: string } | { kind: 'value' } | { kind: 'text'; text: string };
type Fn = { name: 'humanize' | 'humanizePercentage' | 'humanizeDuration' } | { name: 'printf'; format: string };
type Part = { kind: 'text'; text: string } | { kind: 'action'; source: Source; pipeline: Fn[] };

const SOURCE_PATTERNS: [RegExp, (m: RegExpMatchArray) => Source][] = [
  [/^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/, (m) => ({ kind: 'label', from: 'labels', name: m[1]! })],
  [/^\.Labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/, (m) => ({ kind: 'label', from: 'labels', name: m[1]! })],
  [/^\$externalLabels\.([a-zA-Z_][a-zA-Z0-9_]*)$/, (m) => ({ kind: 'label', from: 'externalLabels', name: m[1]! })],
  [/^\.ExternalLabels\.([a-zA-Z_][a-zA-Z0-9_]*)$/, (m) => ({ kind: 'label', from: 'externalLabels', name: m[1]! })],
  [/^index \$labels "([^"\\]*)"$/, (m) => ({ kind: 'label', from: 'labels', name: m[1]! })],
  [/^(\$value|\.Value)$/, () => ({ kind: 'value' })],
  [/^"([^"\\]*)"$/, (m) => ({ kind: 'text', text: m[1]! })],
];

function parseFn(text: string, position: number): Fn {
  if (text === 'humanize' || text === 'humanizePercentage' || text === 'humanizeDuration') return { name: text };
  const printf = /^printf "((?:[^"\\]|\\.)*)"$/.exec(text);
  if (printf) return { name: 'printf', format: JSON.parse(`"${printf[1]}"`) as string };
  throw new TemplateError(`unsupported template function "${text.split(' ')[0]}"`, position);
}

export function parseTemplate(template: string): Part[] {
  const parts: Part[] = [];
  let pos = 0;
  while (pos < template.length) {
    const open = template.indexOf('{{', pos);
    if (open < 0) {
      parts.push({ kind: 'text', text: template.slice(pos) });
      break;
    }
    if (open > pos) parts.push({ kind: 'text', text: template.slice(pos, open) });
    const close = template.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError('unclosed action: missing "}}"', open);
    let inner = template.slice(open + 2, close);
    // `{{-` and `-}}` trim surrounding space in Go templates; the trimming is applied to neighbours below.
    const trimLeft = inner.startsWith('- ');
    const trimRight = inner.endsWith(' -');
    inner = inner.slice(trimLeft ? 2 : 0, trimRight ? -2 : undefined).trim();
    if (trimLeft && parts.at(-1)?.kind === 'text') (parts.at(-1) as { text: string }).text = (parts.at(-1) as { text: string }).text.trimEnd();
    const [head, ...pipes] = inner.split('|').map((s) => s.trim());
    const pattern = SOURCE_PATTERNS.map(([re, make]) => {
      const m = re.exec(head ?? '');
      return m ? make(m) : undefined;
    }).find(Boolean);
    if (!pattern) throw new TemplateError(`unsupported template action "{{ ${inner} }}"`, open);
    parts.push({ kind: 'action', source: pattern, pipeline: pipes.map((p) => parseFn(p, open)) });
    pos = close + 2;
    if (trimRight) while (pos < template.length && /\s/.test(template[pos]!)) pos++;
  }
  return parts;
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

export function expandTemplate(template: string, data: TemplateData): string {
  if (!template.includes('{{')) return template;
  return parseTemplate(template)
    .map((part) => {
      if (part.kind === 'text') return part.text;
      let value: string | number =
        part.source.kind === 'value'
          ? data.value
          : part.source.kind === 'text'
            ? part.source.text
            : ((part.source.from === 'labels' ? data.labels : (data.externalLabels ?? {}))[part.source.name] ?? '');
      for (const fn of part.pipeline) value = applyFn(fn, value);
      return typeof value === 'number' ? formatGoFloat(value) : value;
    })
    .join('');
}

function applyFn(fn: Fn, input: string | number): string {
  const v = typeof input === 'number' ? input : Number(input);
  switch (fn.name) {
    case 'humanize':
      return humanize(v);
    case 'humanizePercentage':
      return `${formatSignificant(v * 100, 4)}%`;
    case 'humanizeDuration':
      return humanizeDuration(v);
    case 'printf':
      return sprintf(fn.format, input);
  }
}

/** Go's strconv.FormatFloat(v, 'g', -1, 64)-like rendering, which is how Prometheus prints $value. */
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

function formatSignificant(v: number, digits: number): string {
  if (!Number.isFinite(v)) return formatGoFloat(v);
  return String(Number(v.toPrecision(digits)));
}

function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return formatGoFloat(v);
  const abs = Math.abs(v);
  if (abs >= 1) {
    const units = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
    let i = 0;
    let x = v;
    while (Math.abs(x) >= 1000 && i < units.length - 1) {
      x /= 1000;
      i++;
    }
    return `${formatSignificant(x, 4)}${units[i]}`;
  }
  const units = ['', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
  let i = 0;
  let x = v;
  while (Math.abs(x) < 1 && i < units.length - 1) {
    x *= 1000;
    i++;
  }
  return `${formatSignificant(x, 4)}${units[i]}`;
}

function humanizeDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return formatGoFloat(seconds);
  if (Math.abs(seconds) < 1) {
    if (seconds === 0) return '0s';
    return `${formatSignificant(seconds * 1000, 4)}ms`;
  }
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(seconds);
  const days = Math.floor(s / 86400);
  s -= days * 86400;
  const hours = Math.floor(s / 3600);
  s -= hours * 3600;
  const minutes = Math.floor(s / 60);
  s -= minutes * 60;
  const secs = formatSignificant(s, 4);
  if (days > 0) return `${sign}${days}d ${hours}h ${minutes}m ${secs}s`;
  if (hours > 0) return `${sign}${hours}h ${minutes}m ${secs}s`;
  if (minutes > 0) return `${sign}${minutes}m ${secs}s`;
  return `${sign}${secs}s`;
}

/** printf with the verbs rules use: %s %d %f %.Nf %g %v %%. */
function sprintf(format: string, arg: string | number): string {
  return format.replace(/%(\.(\d+))?([sdfgv%])/g, (_m, _p, precision: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    const n = typeof arg === 'number' ? arg : Number(arg);
    switch (verb) {
      case 'd':
        return Number.isFinite(n) ? String(Math.trunc(n)) : formatGoFloat(n);
      case 'f':
        return Number.isFinite(n) ? n.toFixed(precision === undefined ? 6 : Number(precision)) : formatGoFloat(n);
      case 'g':
        return formatGoFloat(n);
      default:
        return typeof arg === 'number' ? formatGoFloat(arg) : arg;
    }
  });
}
