/**
 * ExpiryQueue in steady state: what one add costs when the queue holds as many records as a
 * busy server keeps (1,000 calls/s for Timer L/M/J's 32 s: 32,000), against a small queue (100)
 * measured in the same run. Records expire from the front as new ones come in, as in service.
 * A Map read from its front pays for the holes its deletes leave; the ratio shows whether the
 * queue's cost grows with its size (it should stay near 1).
 *
 * usage: npx tsx test/bench/expiry-queue.ts
 */
import { ExpiryQueue } from '../../src/sip/transaction/expiry-queue';
import { FakeClock } from '../../src/util/clock';

interface Rec {
  expiresAt: number;
}

const LIFETIME = 32_000;
const OPS = 200_000;

/** ns per add with `held` records in the queue; one record added per simulated ms-slot. */
function run(held: number): number {
  const clock = new FakeClock();
  let expired = 0;
  const q = new ExpiryQueue<Rec>(clock, () => expired++);
  const perMs = Math.max(1, Math.round(held / LIFETIME));
  const step = held >= LIFETIME ? 1 : Math.ceil(LIFETIME / held);
  let k = 0;
  const addOne = (): void => {
    q.add(`c|z9hG4bK${k++}`, { expiresAt: clock.now() + LIFETIME });
    if (k % perMs === 0) clock.advance(step);
  };
  // Fill, then run a lifetime and more so expiries are under way (bounded: 3 x held adds).
  for (let i = 0; i < held * 3; i++) addOne();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < OPS; i++) addOne();
  const ns = Number(process.hrtime.bigint() - t0) / OPS;
  if (expired === 0 || q.size < held * 0.9) throw new Error(`not a steady state: ${q.size} held, ${expired} expired`);
  return ns;
}

const rows: Array<[number, number]> = [];
for (const held of [100, 32_000, 100, 32_000]) rows.push([held, run(held)]);
const small = Math.min(...rows.filter((r) => r[0] === 100).map((r) => r[1]));
const big = Math.min(...rows.filter((r) => r[0] === 32_000).map((r) => r[1]));
console.log(`expiry-queue: ${OPS} adds in steady state, best of 2`);
console.log(`  100 records held:     ${small.toFixed(0)} ns/add (baseline)`);
console.log(`  32,000 records held:  ${big.toFixed(0)} ns/add`);
console.log(`  ratio 32,000 / 100:   ${(big / small).toFixed(2)}`);
