import { createHash } from 'node:crypto';

/**
 * Message attributes Vigil sets. Pub/Sub has no per-message delay and no publish-side
 * deduplication, so both travel as attributes and the consumer acts on them.
 */
export const ATTR = {
  /** Epoch ms before which the message must not be handled. */
  notBefore: 'vigil_not_before',
  /** Messages of one queue with the same key within the dedup window are handled once. */
  dedupKey: 'vigil_dedup_key',
} as const;

/** Pub/Sub caps attribute values at 1,024 bytes; longer keys are replaced by their hash. */
export function dedupAttribute(key: string): string {
  return Buffer.byteLength(key, 'utf8') <= 1024 ? key : `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}
