import type { ChunkSample } from './chunk';

const view = new DataView(new ArrayBuffer(16));

/**
 * Which of two samples with the same timestamp is kept. The rule depends on the values alone —
 * the larger 64-bit pattern wins — so the answer is the same whatever order segments and chunks
 * were written or read in, and before and after compaction.
 */
export function preferred(a: ChunkSample, b: ChunkSample): ChunkSample {
  view.setFloat64(0, a.v);
  view.setFloat64(8, b.v);
  const ah = view.getUint32(0);
  const bh = view.getUint32(8);
  if (ah !== bh) return ah > bh ? a : b;
  return view.getUint32(4) >= view.getUint32(12) ? a : b;
}

/**
 * Samples of one series gathered from several segments or chunks: one per timestamp.
 * Samples stay objects all the way: a NaN in a number[] (even a [t, v] pair from Map.entries())
 * may lose its payload in V8, and the stale marker is a NaN payload.
 */
export class SampleMerger {
  private readonly byT = new Map<number, ChunkSample>();

  add(s: ChunkSample): void {
    const had = this.byT.get(s.t);
    this.byT.set(s.t, had === undefined ? s : preferred(had, s));
  }

  addRange(samples: readonly ChunkSample[], startMs: number, endMs: number): void {
    for (const s of samples) if (s.t >= startMs && s.t <= endMs) this.add(s);
  }

  get size(): number {
    return this.byT.size;
  }

  sorted(): ChunkSample[] {
    return [...this.byT.values()].sort((a, b) => a.t - b.t);
  }
}
