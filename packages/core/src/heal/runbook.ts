/**
 * Runbooks: what heal may do about an alert. A runbook is a per-tenant YAML (or JSON)
 * document — which alerts it answers (Alertmanager matchers), the HTTP actions to run, the
 * rollback to run when an action or the verification fails, and its guards: approval,
 * dry-run and blast-radius limits. The zod schema below is the format's single definition.
 */
import * as z from 'zod';
import { parseWith, ValidationError } from '../errors';
import { parseUserYaml } from '../yaml';
import type { Labels } from '../model/labels';
import { checkHttpUrl, durationSchema } from '../alertmanager/config/common';
import { parseMatchers, matchesLabels, type CompiledMatcher } from '../alertmanager/matchers';
import { checkTemplateText } from '../alertmanager/template';
import { SECRET_PLACEHOLDER } from '../alertmanager/config/secrets';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

/** `/v1/runbooks/executions` shares the path space with runbook names. */
const RESERVED_NAMES = new Set(['executions']);
export const RUNBOOK_NAME_RE = /^[a-zA-Z0-9_.:-]{1,128}$/;
/**
 * Runbook documents are small; a larger one is a mistake or an attack. Each execution keeps a
 * copy, and a store item must stay under DynamoDB's 400 KB.
 */
export const MAX_RUNBOOK_BYTES = 64 * 1024;
export const MAX_RUNBOOKS_PER_TENANT = 500;

const HTTP_TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
/** Headers the client computes itself, or that would change what connection the request uses. */
const MANAGED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'te', 'trailer', 'keep-alive', 'proxy-authorization', 'proxy-connection']);

const templateText = (max: number) =>
  z
    .string()
    .max(max)
    .superRefine((s, ctx) => {
      const problem = checkTemplateText(s);
      if (problem) ctx.addIssue({ code: 'custom', message: `invalid template: ${problem}` });
    });

/** A URL, possibly templated; a URL without template actions must already be absolute http(s). */
const urlTemplateSchema = z.lazy(() =>
  templateText(2048).superRefine((s, ctx) => {
    if (s.trim() === '') {
      ctx.addIssue({ code: 'custom', message: 'url must not be empty' });
      return;
    }
    if (s.includes('{{')) return; // checked once rendered, against the outbound policy as well
    const u = checkHttpUrl(s, ctx);
    if (u && (u.username || u.password)) ctx.addIssue({ code: 'custom', message: 'credentials in the URL are not allowed: use headers' });
  }),
);

const headersSchema = z.lazy(() =>
  z
    .record(
      z.string().refine((h) => HTTP_TOKEN_RE.test(h) && !MANAGED_HEADERS.has(h.toLowerCase()), {
        error: (iss) => `${JSON.stringify(iss.input)} is not a header a runbook may set`,
      }),
      z.string().max(8192).refine((v) => !/[\r\n\0]/.test(v), 'header values must not contain line breaks or NUL'),
    )
    .refine((h) => Object.keys(h).length <= 50, 'at most 50 headers'),
);

const timeoutSchema = z.lazy(() => durationSchema.refine((ms) => ms > 0 && ms <= 60_000, 'timeout must be between 1ms and 60s'));

export const httpActionSchema = z.lazy(() =>
  z.strictObject({
    type: z.literal('http'),
    /** Shown in the audit trail; defaults to `METHOD url`. */
    name: z.string().min(1).max(128).optional(),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    url: urlTemplateSchema,
    headers: headersSchema.default({}),
    body: templateText(16 * 1024).optional(),
    timeout: timeoutSchema.default(10_000),
    /** Attempts of this action (network errors, timeouts, 5xx and 429 are retried with backoff). */
    max_attempts: z.int().min(1).max(10).default(3),
  }),
);
export const actionSchema = z.lazy(() => z.discriminatedUnion('type', [httpActionSchema]));
export type RunbookAction = z.output<typeof actionSchema>;

const matchSchema = z.lazy(() =>
  z
    .union([z.string(), z.array(z.string()).min(1).max(50)])
    .transform((m, ctx): string[] => {
      const lines = typeof m === 'string' ? [m] : m;
      let count = 0;
      for (const [i, line] of lines.entries()) {
        try {
          count += parseMatchers(line).length;
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message, path: typeof m === 'string' ? [] : [i] });
          return z.NEVER;
        }
      }
      // A runbook that answers every alert is a remediation storm waiting to happen.
      if (count === 0) ctx.addIssue({ code: 'custom', message: 'at least one matcher is required' });
      return lines;
    }),
);

export const runbookSchema = z.lazy(() =>
  z.strictObject({
    name: z.string().refine((n) => RUNBOOK_NAME_RE.test(n) && !RESERVED_NAMES.has(n), {
      error: (iss) => `${JSON.stringify(iss.input)} is not a valid runbook name (letters, digits, _ . : -; at most 128; not "executions")`,
    }),
    description: z.string().max(4096).optional(),
    /** Alertmanager matchers, e.g. `['alertname="DiskFull"', 'severity=~"page|critical"']`; all must hold. */
    match: matchSchema,
    actions: z.array(actionSchema).min(1).max(20),
    rollback: z.array(actionSchema).max(20).default([]),
    verify: z
      .strictObject({
        after: durationSchema.refine((ms) => ms >= 1_000 && ms <= 24 * 3_600_000, 'after must be between 1s and 24h'),
        expect: z.literal('resolved').default('resolved'),
      })
      .optional(),
    /** Safe by default: an execution waits for an operator unless the runbook says `none`. */
    approval: z.enum(['required', 'none']).default('required'),
    dry_run: z.boolean().default(false),
    limits: z
      .strictObject({
        max_concurrent: z.int().min(1).max(100).default(1),
        max_per_hour: z.int().min(1).max(1000).default(10),
      })
      .default({ max_concurrent: 1, max_per_hour: 10 }),
  }),
);

/** A runbook as written (durations as text): what is stored and read back. */
export type RunbookDocument = z.input<typeof runbookSchema>;
/** A runbook with defaults applied and durations in milliseconds: what heal runs. */
export type Runbook = z.output<typeof runbookSchema>;

/** Parses a runbook from YAML or JSON text; every problem is a ValidationError with its field path. */
export function parseRunbookText(text: string): { document: RunbookDocument; runbook: Runbook } {
  const raw = parseUserYaml(text, { maxBytes: MAX_RUNBOOK_BYTES, maxDepth: 16 });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw ValidationError.single('', 'a runbook must be a mapping');
  const runbook = parseWith(runbookSchema, raw);
  return { document: raw as RunbookDocument, runbook };
}

/** Validates a stored document again (defaults and durations applied). */
export function toRunbook(document: RunbookDocument): Runbook {
  return parseWith(runbookSchema, document);
}

/** A runbook's matchers, compiled once per document. */
const compiledMatchers = new WeakMap<object, CompiledMatcher[]>();
export function runbookMatches(runbook: Pick<Runbook, 'match'>, labels: Labels): boolean {
  let ms = compiledMatchers.get(runbook);
  if (!ms) {
    ms = runbook.match.flatMap((line) => parseMatchers(line));
    compiledMatchers.set(runbook, ms);
  }
  return matchesLabels(ms, labels);
}

type ActionDocument = z.input<typeof actionSchema>;

function redactActions(actions: ActionDocument[] | undefined): ActionDocument[] | undefined {
  return actions?.map((a) => ({ ...a, headers: a.headers ? Object.fromEntries(Object.keys(a.headers).map((k) => [k, SECRET_PLACEHOLDER])) : a.headers }));
}

/**
 * The document as it may be shown: header values (credentials live there) read back as
 * `<secret>`, Alertmanager's convention.
 */
export function redactRunbook<T extends RunbookDocument>(doc: T): T {
  const out = { ...doc, actions: redactActions(doc.actions) as T['actions'] };
  if (doc.rollback !== undefined) out.rollback = redactActions(doc.rollback) as T['rollback'];
  return out;
}

/**
 * A document read back and posted again carries `<secret>` where header values were: each such
 * value keeps what is stored for the same header of the same action. A placeholder with nothing
 * to keep is an error, never a literal header value.
 */
export function restoreSecrets(incoming: RunbookDocument, stored: RunbookDocument | undefined): RunbookDocument {
  const issues: { path: string; message: string }[] = [];
  const restore = (list: 'actions' | 'rollback') =>
    incoming[list]?.map((a, i) => {
      if (!a.headers) return a;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(a.headers)) {
        if (v !== SECRET_PLACEHOLDER) {
          headers[k] = v;
          continue;
        }
        const kept = stored?.[list]?.[i]?.headers?.[k];
        if (kept === undefined) issues.push({ path: `${list}[${i}].headers.${k}`, message: `${SECRET_PLACEHOLDER} can only keep a stored value, and none is stored here` });
        else headers[k] = kept;
      }
      return { ...a, headers };
    });
  const out: RunbookDocument = { ...incoming, actions: restore('actions') ?? incoming.actions };
  if (incoming.rollback !== undefined) out.rollback = restore('rollback');
  if (issues.length > 0) throw new ValidationError(issues);
  return out;
}
