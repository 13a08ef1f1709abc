/**
 * Request shapes of Alertmanager's v2 API (api/v2/openapi.yaml of 0.25) as zod schemas, and the
 * query parameters its list endpoints take.
 */
import * as z from 'zod';
import { alertmanager, LABEL_NAME_RE, ValidationError } from '@vigil/core';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

/** Go's zero time.Time as go-openapi prints it: amtool sends it for "not set". */
const GO_ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z');
const optionalTime = z.lazy(() => alertmanager.dateTimeSchema.transform((ms) => (ms === GO_ZERO_TIME_MS ? undefined : ms)).optional());

/** postableAlert: labels are required; times are optional and defaulted as Alertmanager does. */
export const postableAlertSchema = z.lazy(() =>
  z.object({
    labels: z
      .record(z.string(), z.string())
      .superRefine((labels, ctx) => {
        for (const name of Object.keys(labels)) {
          if (!LABEL_NAME_RE.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: `invalid label name ${JSON.stringify(name)}` });
        }
      }),
    annotations: z.record(z.string(), z.string()).optional(),
    startsAt: optionalTime,
    endsAt: optionalTime,
    generatorURL: z.string().optional(),
  }),
);

export const postableAlertsSchema = z.lazy(() => z.array(postableAlertSchema).max(10_000, 'at most 10000 alerts per request'));

/** The boolean query flags of GET alerts and alerts/groups (default true). */
export function flag(value: string | undefined, name: string): boolean {
  if (value === undefined || value === '') return true;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw ValidationError.single(name, `must be true or false, got ${JSON.stringify(value)}`);
}

/** `filter=` parameters: one matcher each (`{...}` lists accepted as amtool sends them). */
export function parseFilter(values: string[] | undefined): alertmanager.CompiledMatcher[] {
  const out: alertmanager.CompiledMatcher[] = [];
  (values ?? []).forEach((v, i) => {
    try {
      out.push(...alertmanager.parseMatchers(v));
    } catch (err) {
      if (!(err instanceof alertmanager.MatcherError)) throw err;
      throw ValidationError.single(`filter[${i}]`, err.message);
    }
  });
  return out;
}

/** `receiver=`: an RE2 regex anchored at both ends, matched against receiver names. */
export function parseReceiverFilter(value: string | undefined): ((name: string) => boolean) | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    const re = alertmanager.compileAnchoredRegex(value);
    return (name) => re.test(name);
  } catch (err) {
    throw ValidationError.single('receiver', (err as Error).message);
  }
}
