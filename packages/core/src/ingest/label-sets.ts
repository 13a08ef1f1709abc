import type { Labels } from '../model';

/** A label set the decoder has seen, with its fingerprint. */
export interface KnownLabelSet {
  /** The fingerprint (16 hex digits). */
  id: string;
  labels: Labels;
}

/** A remembered label set: its encoded bytes live in its generation's arena at `at`. */
interface Entry extends KnownLabelSet {
  generation: Generation;
  at: number;
  length: number;
  /** Another entry whose bytes have the same hash. */
  next: Entry | undefined;
  /** The entry that came after this one in a request last time, when both are in the same generation. */
  successor: Entry | undefined;
}

/** Accounted size of an entry besides its bytes: the entry, its label object and strings. */
const ENTRY_OVERHEAD = 128;
const FIRST_ARENA_BYTES = 64 * 1024;

class Generation {
  readonly entries = new Map<number, Entry>();
  /** Entries, counting those that share a hash. */
  count = 0;
  /** Accounted bytes: arena bytes plus each entry's label object. */
  bytes = 0;
  arena = new Uint8Array(0);
  view = new DataView(this.arena.buffer);
  used = 0;

  /** Copies `length` bytes of `view` from `start` into the arena; returns where they are. */
  store(view: DataView, start: number, length: number): number {
    if (this.used + length > this.arena.length) {
      const grown = new Uint8Array(Math.max(FIRST_ARENA_BYTES, 2 * this.arena.length, this.used + length));
      grown.set(this.arena.subarray(0, this.used));
      this.arena = grown;
      this.view = new DataView(grown.buffer);
    }
    const at = this.used;
    const arena = this.arena;
    for (let i = 0; i < length; i++) arena[at + i] = view.getUint8(start + i);
    this.used += length;
    return at;
  }

  find(key: number, view: DataView, start: number, length: number): Entry | undefined {
    for (let e = this.entries.get(key); e !== undefined; e = e.next) {
      if (e.length === length && sameBytes(this.view, e.at, view, start, length)) return e;
    }
    return undefined;
  }
}

/**
 * The label sets of series a warm instance has decoded, found by the exact bytes of their
 * labels on the wire. Prometheus sends every series again on every scrape round: when a
 * series' label bytes equal bytes seen before, the decoder hands back the frozen label object
 * (and id string) it made then, instead of decoding and hashing the same strings again, which
 * was most of the cost of a request and most of its garbage. One object per series also lets
 * the limiter remember which label sets it has checked.
 *
 * A cheap 32-bit hash of the bytes finds the candidates and a byte comparison decides: equal
 * bytes decode to equal labels, so a hit is exact whatever the hash, and crafted label sets
 * whose hashes collide cost a comparison, never another series' labels. A hit allocates nothing.
 *
 * Bounded by bytes in two generations: when the young one is full it becomes the old one and
 * the previous old one is dropped; a hit in the old generation copies the entry into the young
 * one. A series sent every round stays, and a client sending endless distinct label sets cannot
 * grow it past twice the bound.
 */
export class LabelSetCache {
  private young = new Generation();
  private old = new Generation();

  constructor(
    private readonly maxBytes = 32 * 1024 * 1024,
    /** The hash that finds candidates (a test may pass a colliding one). */
    readonly hash: (view: DataView, start: number, end: number) => number = hashBytes,
  ) {}

  /**
   * The label set remembered for bytes `start` to `end` of `view`. `previous` is what the
   * request's series before this one got: senders repeat their series in much the same order
   * (Prometheus batches a target's series in scrape order), so the set that followed it last
   * time is compared first, and the hash is needed only when that guess fails.
   */
  get(view: DataView, start: number, end: number, previous?: KnownLabelSet): KnownLabelSet | undefined {
    const length = end - start;
    const before = previous as Entry | undefined;
    const guess = before?.successor;
    if (guess !== undefined && guess.length === length && sameBytes(guess.generation.view, guess.at, view, start, length)) {
      return guess.generation === this.young ? guess : this.keep(this.hash(view, start, end), view, start, length, guess.id, guess.labels);
    }
    const key = this.hash(view, start, end);
    let entry = this.young.find(key, view, start, length);
    if (entry === undefined) {
      const aged = this.old.find(key, view, start, length);
      if (aged === undefined) return undefined;
      entry = this.keep(key, view, start, length, aged.id, aged.labels);
    }
    this.link(before, entry);
    return entry;
  }

  /** Remembers `labels` for these bytes and freezes it: every request that gets it back shares the one object. */
  set(view: DataView, start: number, end: number, id: string, labels: Labels, previous?: KnownLabelSet): KnownLabelSet {
    const entry = this.keep(this.hash(view, start, end), view, start, end - start, id, Object.freeze(labels));
    this.link(previous as Entry | undefined, entry);
    return entry;
  }

  get size(): number {
    return this.young.count + this.old.count;
  }

  private keep(key: number, view: DataView, start: number, length: number, id: string, labels: Labels): Entry {
    // The label object holds the strings the bytes decode to: about two bytes per byte.
    const bytes = ENTRY_OVERHEAD + 3 * length;
    if (this.young.bytes + bytes > this.maxBytes) {
      this.old = this.young;
      this.young = new Generation();
    }
    const young = this.young;
    const entry: Entry = { id, labels, generation: young, at: young.store(view, start, length), length, next: young.entries.get(key), successor: undefined };
    young.entries.set(key, entry);
    young.count++;
    young.bytes += bytes;
    return entry;
  }

  /** Notes that `entry` followed `previous`. Only within the young generation: a link never keeps a dropped generation alive. */
  private link(previous: Entry | undefined, entry: Entry): void {
    if (previous !== undefined && previous.generation === this.young && entry.generation === this.young) previous.successor = entry;
  }
}

/** Whether `length` bytes of `a` at `at` equal those of `b` at `start`, compared four at a time. */
function sameBytes(a: DataView, at: number, b: DataView, start: number, length: number): boolean {
  const whole = length & ~3;
  let i = 0;
  for (; i < whole; i += 4) if (a.getInt32(at + i) !== b.getInt32(start + i)) return false;
  for (; i < length; i++) if (a.getUint8(at + i) !== b.getUint8(start + i)) return false;
  return true;
}

/**
 * MurmurHash3 (x86, 32-bit, seed 0) of bytes `start` to `end`, as a signed 32-bit integer (a
 * small integer to V8, so Map keys need no boxing). Four bytes a step: several times faster
 * than the byte-wise FNV of fingerprints, and only candidates are found by it.
 */
export function hashBytes(view: DataView, start: number, end: number): number {
  let h = 0;
  const whole = end - ((end - start) & 3);
  let i = start;
  for (; i < whole; i += 4) {
    let k = view.getInt32(i, true);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const rest = end - i;
  if (rest === 3) k ^= view.getUint8(i + 2) << 16;
  if (rest >= 2) k ^= view.getUint8(i + 1) << 8;
  if (rest >= 1) {
    k ^= view.getUint8(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  h ^= end - start;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
