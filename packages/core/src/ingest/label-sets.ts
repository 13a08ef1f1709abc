import type { Labels } from '../model';

/** A label set the decoder has seen, with its fingerprint. */
export interface KnownLabelSet {
  /** The fingerprint: 16 hex digits of `hi` then `lo`. */
  id: string;
  labels: Labels;
  lo: number;
}

/**
 * The label sets of series a warm instance has decoded, by their 64-bit fingerprint. Prometheus
 * sends every series again on every scrape round: when the bytes of a series' labels hash to a
 * fingerprint seen before, the decoder hands back the frozen label object (and id string) it
 * made then, instead of decoding the same strings again, which was most of the cost of a
 * request and most of its garbage. One object per series also lets the limiter remember which
 * label sets it has checked. Entries are found by number (the hash's top 53 bits, then the low
 * half compared), so a hit allocates nothing, not even the id.
 *
 * Bounded by bytes in two generations: when the young one is full it becomes the old one and
 * the previous old one is dropped; a hit in the old generation moves the entry back to the
 * young one. A series sent every round stays, and a client sending endless distinct label sets
 * cannot grow it past twice the bound.
 */
export class LabelSetCache {
  private young = new Map<number, KnownLabelSet>();
  private old = new Map<number, KnownLabelSet>();
  private youngBytes = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}

  /** The label set whose fingerprint has these 32-bit halves, if known. */
  get(hi: number, lo: number): KnownLabelSet | undefined {
    const key = keyOf(hi, lo);
    const entry = this.young.get(key);
    if (entry !== undefined) return entry.lo === lo ? entry : undefined;
    const aged = this.old.get(key);
    if (aged === undefined || aged.lo !== lo) return undefined;
    this.keep(key, aged);
    return aged;
  }

  /** Keeps `labels` under its fingerprint and freezes it: every request that gets it back shares the one object. */
  set(hi: number, lo: number, id: string, labels: Labels): KnownLabelSet {
    const entry: KnownLabelSet = { id, labels: Object.freeze(labels), lo };
    this.keep(keyOf(hi, lo), entry);
    return entry;
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  private keep(key: number, entry: KnownLabelSet): void {
    let bytes = 128;
    for (const name in entry.labels) bytes += 2 * (name.length + entry.labels[name]!.length) + 32;
    if (this.youngBytes + bytes > this.maxBytes) {
      this.old = this.young;
      this.young = new Map();
      this.youngBytes = 0;
    }
    this.young.set(key, entry);
    this.youngBytes += bytes;
  }
}

/** 53 bits of the fingerprint as an exact double: all of `hi`, the top 21 bits of `lo`. */
const keyOf = (hi: number, lo: number) => hi * 0x200000 + (lo >>> 11);
