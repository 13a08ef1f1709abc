import type { z } from 'zod';

/** One problem with user input, located by a path into it (or a position in text). */
export interface Issue {
  path: string;
  message: string;
}

/**
 * Input the user must fix: becomes a 4xx with every issue listed. Never thrown for
 * faults of our own (those are 5xx and retried).
 */
export class ValidationError extends Error {
  readonly status: number;
  constructor(
    readonly issues: Issue[],
    status = 400,
  ) {
    super(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '));
    this.name = 'ValidationError';
    this.status = status;
  }

  static single(path: string, message: string, status = 400): ValidationError {
    return new ValidationError([{ path, message }], status);
  }
}

/** Renders a zod path as `samples[3].labels.host`. */
export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** The most specific message of a zod issue: record keys and unions hide theirs one level down. */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key' && issue.issues[0]) return `invalid key: ${issue.issues[0].message}`;
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const messages = [...new Set(issue.errors.flat().map((e) => e.message))];
    return messages.join(', or ');
  }
  return issue.message;
}

export function fromZodError(error: z.ZodError, prefix = ''): ValidationError {
  return new ValidationError(error.issues.map((i) => ({ path: formatPath(i.path, prefix), message: issueMessage(i) })));
}

/** Parses with a zod schema and throws a ValidationError listing every issue. */
export function parseWith<S extends z.ZodTypeAny>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw fromZodError(result.error, prefix);
  return result.data;
}
