import type { Context as HonoContext } from 'hono';
import { ValidationError } from '@vigil/core';

/** Reads a JSON body; a syntax error becomes a 400 that says where. */
export async function readJson(c: HonoContext): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') throw ValidationError.single('', 'request body is empty');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw ValidationError.single('', `malformed JSON: ${(err as Error).message}`);
  }
}
