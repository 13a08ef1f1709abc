/**
 * Notification templates as Alertmanager has them: the default templates, then the tenant's
 * template files (which may add or redefine templates), and receiver fields that are
 * themselves templates executed against the group's data.
 */
import { createHash } from 'node:crypto';
import { ValidationError, type Issue } from '../../errors';
import { execute, parseTemplateSource as parseGo, TemplateSyntaxError, type ExecLimits, type ParsedTemplate, type TemplateBody } from '../../gotemplate';
import { DEFAULT_TEMPLATES } from './defaults';
import { FUNCS, FUNCTION_NAMES } from './funcs';
import { AM_VALUE_MODEL } from './values';

export { buildTemplateData, quoteMeta, type TemplateData, type BuildDataInput, type DataAlertInput } from './data';
export { TemplateExecError, DEFAULT_EXEC_LIMITS, type ExecLimits, TemplateSyntaxError, PARSE_LIMITS } from '../../gotemplate';
export { DEFAULT_TEMPLATES } from './defaults';
export { KV, Alerts, GoTime, Pair, Pairs, SafeHtml, NO_VALUE } from './values';
export { sprintf } from './funcs';

/** Parses a notification template file or field; unknown functions are refused, as Go does. */
function parseTemplateSource(name: string, source: string): ParsedTemplate {
  return parseGo(name, source, { functions: FUNCTION_NAMES });
}

/** Limits on a tenant's template files. */
export const TEMPLATE_FILE_LIMITS = { maxFiles: 100, maxTotalChars: 1_000_000 };

export class NotificationTemplates {
  private readonly defined = new Map<string, TemplateBody>();
  private readonly inline = new Map<string, TemplateBody>();

  private constructor(private readonly limits: Partial<ExecLimits>) {}

  /** Defaults plus the given files, in name order (a later definition replaces an earlier one). */
  static create(files: Record<string, string> = {}, limits: Partial<ExecLimits> = {}): NotificationTemplates {
    const set = new NotificationTemplates(limits);
    set.add(defaults());
    for (const name of Object.keys(files).sort()) set.add(parseTemplateSource(name, files[name]!));
    return set;
  }

  private add(parsed: ParsedTemplate): void {
    for (const [name, nodes] of parsed.defines) this.defined.set(name, { nodes, from: parsed });
  }

  /** Whether a template of this name is defined. */
  has(name: string): boolean {
    return this.defined.has(name);
  }

  /**
   * Executes `text` (a receiver field such as `{{ template "slack.default.title" . }}`) against
   * data, as Alertmanager's ExecuteTextString; HTML mode escapes printed values unless they are
   * `safeHtml`, as html/template does in element content. Throws TemplateSyntaxError or
   * TemplateExecError with the position.
   */
  execute(text: string, data: unknown, options: { html?: boolean; name?: string } = {}): string {
    if (text === '') return '';
    const key = `${options.name ?? ''}\u0000${text}`;
    let body = this.inline.get(key);
    if (!body) {
      const parsed = parseTemplateSource(options.name ?? 'text', text);
      body = { nodes: parsed.root, from: parsed };
      // Defines inside a field are local to it, as in a cloned Go template.
      if (parsed.defines.size > 0) return this.withLocal(parsed).execute(text, data, options);
      if (this.inline.size > 1000) this.inline.clear();
      this.inline.set(key, body);
    }
    return this.run(body, data, (n) => this.defined.get(n), options.html);
  }

  private run(body: TemplateBody, data: unknown, lookup: (name: string) => TemplateBody | undefined, html: boolean | undefined): string {
    return execute(body, data, { functions: FUNCS, model: AM_VALUE_MODEL, lookup, limits: this.limits, html });
  }

  private withLocal(parsed: ParsedTemplate): { execute: (text: string, data: unknown, options: { html?: boolean }) => string } {
    const local = new Map(this.defined);
    for (const [name, nodes] of parsed.defines) local.set(name, { nodes, from: parsed });
    return {
      execute: (_text, data, options) => this.run({ nodes: parsed.root, from: parsed }, data, (n) => local.get(n), options.html),
    };
  }
}

let defaultsParsed: ParsedTemplate | undefined;
function defaults(): ParsedTemplate {
  return (defaultsParsed ??= parseTemplateSource('default.tmpl', DEFAULT_TEMPLATES));
}

const cache = new Map<string, NotificationTemplates>();

/** The template set for a tenant's files, parsed once per distinct content. */
export function templatesFor(files: Record<string, string> = {}): NotificationTemplates {
  const names = Object.keys(files).sort();
  if (names.length === 0) return (defaultSet ??= NotificationTemplates.create());
  const hash = createHash('sha256');
  for (const n of names) hash.update(n).update('\u0000').update(files[n]!).update('\u0000');
  const key = hash.digest('hex');
  let set = cache.get(key);
  if (!set) {
    set = NotificationTemplates.create(files);
    if (cache.size > 100) cache.clear();
    cache.set(key, set);
  }
  return set;
}
let defaultSet: NotificationTemplates | undefined;

/**
 * Checks a tenant's template files at upload: every file must parse; errors name the file,
 * line and column. Throws ValidationError listing every problem.
 */
export function validateTemplateFiles(files: Record<string, string>, path = 'template_files'): void {
  const issues: Issue[] = [];
  const names = Object.keys(files);
  if (names.length > TEMPLATE_FILE_LIMITS.maxFiles) issues.push({ path, message: `at most ${TEMPLATE_FILE_LIMITS.maxFiles} template files are allowed` });
  const total = names.reduce((n, k) => n + (files[k]?.length ?? 0), 0);
  if (total > TEMPLATE_FILE_LIMITS.maxTotalChars) issues.push({ path, message: `template files are larger than ${TEMPLATE_FILE_LIMITS.maxTotalChars} characters in total` });
  for (const name of names) {
    try {
      parseTemplateSource(name, files[name]!);
    } catch (err) {
      if (!(err instanceof TemplateSyntaxError)) throw err;
      issues.push({ path: `${path}.${name}`, message: `line ${err.line}, column ${err.column}: ${err.reason}` });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

/** Checks one template-valued field (e.g. a Slack title) at upload; returns the problem or undefined. */
export function checkTemplateText(text: string): string | undefined {
  try {
    parseTemplateSource('text', text);
    return undefined;
  } catch (err) {
    if (err instanceof TemplateSyntaxError) return `line ${err.line}, column ${err.column}: ${err.reason}`;
    throw err;
  }
}
