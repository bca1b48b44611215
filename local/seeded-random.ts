/**
 * A small seeded PRNG (Mulberry32): the same seed gives the same sequence in [0, 1). Used where a
 * run must be reproducible from its seed: the random faults and the exactly-once checker's
 * workload. Not for anything that needs unpredictability.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
