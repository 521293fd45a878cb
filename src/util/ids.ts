/**
 * Identifiers: UUIDs, and random tokens for tags, branches, Call-IDs and RTP SSRCs.
 *
 * Tokens come from a pool the CSPRNG fills 4 KiB at a time: crypto.randomBytes(n) is a native
 * call and a fresh Buffer per token (a call placed through the B2BUA takes a dozen of them), while
 * reading a pooled byte costs next to nothing. Each pooled byte is handed out once, then the pool
 * is refilled.
 */
import { randomFillSync, randomUUID } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

/** The offset of `n` fresh pooled bytes (refilling the pool when it has fewer left). */
function take(n: number): number {
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += n;
  return at;
}

export function uuid(): string {
  return randomUUID();
}

/** A random token of `bytes` bytes, hex-encoded: for tags, branches and Call-IDs. */
export function token(bytes = 8): string {
  if (bytes > POOL_SIZE) return randomFillSync(Buffer.alloc(bytes)).toString('hex');
  const at = take(bytes);
  return pool.toString('hex', at, at + bytes);
}

/** Copy `n` fresh random bytes into target at targetOffset (nonces). */
export function fillRandom(target: Buffer, targetOffset: number, n: number): void {
  if (n > POOL_SIZE) {
    randomFillSync(target, targetOffset, n);
    return;
  }
  const at = take(n);
  pool.copy(target, targetOffset, at, at + n);
}

/** A random unsigned 32-bit integer (RTP SSRC, initial sequence number and timestamp). */
export function random32(): number {
  const at = take(4);
  return pool.readUInt32BE(at);
}
