/** Small zod building blocks shared by the Alertmanager config schemas. */
import * as z from 'zod';
import { LABEL_NAME_RE } from '../../model/labels';
import { parseDuration } from './duration';
import { compileAnchoredRegex, parseMatchers } from '../matchers';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

/**
 * A Prometheus duration, read as milliseconds. YAML may hand us a number (`group_wait: 0`);
 * Go reads scalars as strings, so `0` is valid and `30` is not (it lacks a unit).
 */
export const durationSchema = z.lazy(() =>
  z.unknown().transform((v, ctx): number => {
    if (typeof v !== 'string' && typeof v !== 'number') {
      ctx.addIssue({ code: 'custom', message: 'expected a duration such as 30s, 5m or 1h30m' });
      return z.NEVER;
    }
    try {
      return parseDuration(String(v));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
);

export const labelNameSchema = z.lazy(() =>
  z.string().refine((s) => LABEL_NAME_RE.test(s), {
    error: (iss) => `${JSON.stringify(iss.input)} is not a valid label name`,
  }),
);

/** Legacy `match:` maps: label name to exact value. */
export const matchMapSchema = z.lazy(() => z.record(labelNameSchema, z.string()));

/** Legacy `match_re:` maps: label name to an RE2 pattern (anchored when used). */
export const matchReMapSchema = z.lazy(() =>
  z.record(
    labelNameSchema,
    z.string().superRefine((s, ctx) => {
      try {
        compileAnchoredRegex(s);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  ),
);

/** `matchers:` lists in Alertmanager's matcher syntax; each line may hold several. */
export const matcherListSchema = z.lazy(() =>
  z.array(
    z.string().superRefine((s, ctx) => {
      try {
        parseMatchers(s);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  ),
);

/** Parses an absolute http(s) URL with a host, or adds the issue saying why it is not one. */
export function checkHttpUrl(s: string, ctx: z.RefinementCtx): URL | undefined {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: `invalid URL ${JSON.stringify(s)}` });
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `unsupported scheme ${JSON.stringify(u.protocol.replace(/:$/, ''))} for URL` });
    return undefined;
  }
  if (!u.hostname) {
    ctx.addIssue({ code: 'custom', message: 'missing host for URL' });
    return undefined;
  }
  return u;
}

/** An absolute http(s) URL, as Alertmanager's config.URL requires. */
export const httpUrlSchema = z.lazy(() => z.string().superRefine((s, ctx) => void checkHttpUrl(s, ctx)));

/** Receiver kinds other than webhook are kept as loosely typed records. */
export const looseRecordSchema = z.lazy(() => z.record(z.string(), z.unknown()));
