/** Small timing helpers for test/bench scripts: best-of-N rounds, ns per operation. */
export function timeNs(op: () => void, iterations: number, rounds = 5): number {
  for (let i = 0; i < Math.min(iterations, 2000); i++) op(); // warm-up
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) op();
    const dt = Number(process.hrtime.bigint() - t0) / iterations;
    if (dt < best) best = dt;
  }
  return best;
}

export const fmt = (ns: number): string => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
export const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;

/**
 * Best ns/op of several operations measured round-robin (each round runs every op once), so load
 * changes on a shared machine hit all of them alike and ratios stay meaningful.
 */
export function interleaved<K extends string>(ops: Record<K, () => void>, iterations: number, rounds = 9): Record<K, number> {
  const keys = Object.keys(ops) as K[];
  const best = {} as Record<K, number>;
  for (const k of keys) {
    for (let i = 0; i < Math.min(iterations, 1000); i++) ops[k]();
    best[k] = Infinity;
  }
  for (let r = 0; r < rounds; r++) {
    for (const k of keys) {
      const op = ops[k];
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) op();
      const dt = Number(process.hrtime.bigint() - t0) / iterations;
      if (dt < best[k]) best[k] = dt;
    }
  }
  return best;
}
