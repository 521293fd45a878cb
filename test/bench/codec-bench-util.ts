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
