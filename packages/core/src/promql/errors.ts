import type { Pos } from './ast';

/** 1-based line and column of a 0-based character offset. */
export function lineColumn(text: string, position: number): { line: number; column: number } {
  const at = Math.max(0, Math.min(position, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: at - lineStart + 1 };
}

/**
 * A query the user must fix (syntax, semantics, limits, or a construct not supported yet).
 * The message names the place; `reason` is the same without it.
 */
export class PromQLError extends Error {
  readonly position: number;
  readonly line: number;
  readonly column: number;
  readonly reason: string;

  constructor(reason: string, text: string, position: number) {
    const { line, column } = lineColumn(text, position);
    super(`${reason} at line ${line}, column ${column}`);
    this.name = 'PromQLError';
    this.reason = reason;
    this.position = position;
    this.line = line;
    this.column = column;
  }
}

/**
 * A query that parsed but cannot be evaluated on this data, e.g. many-to-many matching.
 * Prometheus reports these at query time too; for a rule they mark the rule unhealthy.
 */
export class EvaluationError extends Error {
  constructor(
    message: string,
    readonly pos?: Pos,
  ) {
    super(message);
    this.name = 'EvaluationError';
  }
}
