/**
 * Silences in the shape of Alertmanager's v2 API (postableSilence / gettableSilence), times as
 * RFC 3339 on the wire and epoch milliseconds inside.
 */
import * as z from 'zod';
import { LABEL_NAME_RE } from '../../model/labels';
import type { Matcher } from '../matchers';

// Schemas are z.lazy: built at their first parse, not when a function's bundle loads (cold start).

/** An RFC 3339 date-time (what go-openapi's strfmt.DateTime accepts), read as epoch ms. */
export const dateTimeSchema = z.lazy(() =>
  z.string().transform((s, ctx): number => {
    const ok = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s);
    const ms = ok ? Date.parse(s.replace(' ', 'T')) : NaN;
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} is not an RFC 3339 date-time` });
      return z.NEVER;
    }
    return ms;
  }),
);

export const apiMatcherSchema = z.lazy(() =>
  z.object({
    name: z.string().refine((s) => LABEL_NAME_RE.test(s), { error: (iss) => `invalid label name ${JSON.stringify(iss.input)}` }),
    value: z.string(),
    isRegex: z.boolean(),
    isEqual: z.boolean().default(true),
  }),
);
export type ApiMatcher = z.output<typeof apiMatcherSchema>;

export const postableSilenceSchema = z.lazy(() =>
  z.object({
    id: z.string().optional(),
    matchers: z.array(apiMatcherSchema).min(1, 'at least one matcher required'),
    startsAt: dateTimeSchema,
    endsAt: dateTimeSchema,
    createdBy: z.string().min(1, 'createdBy is required'),
    comment: z.string().min(1, 'comment is required'),
  }),
);
export type PostableSilence = z.output<typeof postableSilenceSchema>;

export type SilenceState = 'active' | 'pending' | 'expired';

/** A silence as stored. */
export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  updatedAt: number;
  createdBy: string;
  comment: string;
}

export interface GettableSilence {
  id: string;
  status: { state: SilenceState };
  updatedAt: string;
  matchers: ApiMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export function toMatcher(m: ApiMatcher): Matcher {
  return { name: m.name, value: m.value, type: m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=' };
}

export function toApiMatcher(m: Matcher): ApiMatcher {
  return { name: m.name, value: m.value, isRegex: m.type === '=~' || m.type === '!~', isEqual: m.type === '=' || m.type === '=~' };
}

/** Alertmanager's CalcSilenceState. */
export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (now < s.startsAt) return 'pending';
  if (now < s.endsAt) return 'active';
  return 'expired';
}

const iso = (ms: number) => new Date(ms).toISOString();

export function toGettableSilence(s: Silence, now: number): GettableSilence {
  return {
    id: s.id,
    status: { state: silenceState(s, now) },
    updatedAt: iso(s.updatedAt),
    matchers: s.matchers.map(toApiMatcher),
    startsAt: iso(s.startsAt),
    endsAt: iso(s.endsAt),
    createdBy: s.createdBy,
    comment: s.comment,
  };
}
