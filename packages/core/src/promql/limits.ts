/** Longest accepted query, in UTF-8 bytes. */
export const MAX_QUERY_BYTES = 64 * 1024;

/** Deepest accepted expression tree; the evaluator's recursion is bounded by the same number. */
export const MAX_DEPTH = 256;
