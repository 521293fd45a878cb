/**
 * Random tokens for tags (RFC 3261 §19.3: "at least 32 bits of randomness"), drawn from a pool
 * the CSPRNG fills 4 KiB at a time. crypto.randomBytes(6) costs ~3.5 µs a call (a native job per
 * call); slicing a pooled buffer costs ~0.2 µs. Each pooled byte is handed out once.
 */
import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

function take(n: number): number {
  if (n > POOL_SIZE) throw new RangeError(`at most ${POOL_SIZE} random bytes at a time`);
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += n;
  return at;
}

/** `bytes` random bytes, hex-encoded (2·bytes characters). */
export function randomHex(bytes: number): string {
  const at = take(bytes);
  return pool.toString('hex', at, at + bytes);
}

/** Copy `n` random bytes into target at targetOffset. */
export function fillRandom(target: Buffer, targetOffset: number, n: number): void {
  const at = take(n);
  pool.copy(target, targetOffset, at, at + n);
}
