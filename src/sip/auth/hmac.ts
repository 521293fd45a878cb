/**
 * HMAC-SHA256 (RFC 2104) with the key's inner and outer pads prepared once:
 *
 *   HMAC(K, m) = H((K0 ^ opad) | H((K0 ^ ipad) | m))      K0 = K, or H(K) when K > 64 bytes, zero-padded
 *
 * computed with two one-shot crypto.hash calls (Node >= 20.12): ~2.1 µs for a nonce-sized message
 * against ~4.3 µs for createHmac(...).update(...).digest(), which builds a key object and an HMAC
 * context per call. Falls back to createHmac where crypto.hash is missing. The message is written
 * by the caller straight after the inner pad of a reusable buffer (no concatenation).
 */
import * as nodeCrypto from 'node:crypto';
import { createHmac } from 'node:crypto';

const BLOCK = 64;
const OUT = 32;

const oneShot: ((algorithm: string, data: Buffer, encoding: 'buffer') => Buffer) | undefined =
  typeof (nodeCrypto as { hash?: unknown }).hash === 'function' ? (nodeCrypto.hash as (a: string, d: Buffer, e: 'buffer') => Buffer) : undefined;

export class HmacSha256 {
  private readonly key: Buffer;
  /** inner pad, then the message (grown on demand). */
  private scratch: Buffer;
  /** outer pad, then the inner digest. */
  private readonly outer: Buffer;

  constructor(key: Buffer) {
    this.key = Buffer.from(key);
    const k0 = Buffer.alloc(BLOCK);
    (key.length > BLOCK ? nodeCrypto.createHash('sha256').update(key).digest() : key).copy(k0);
    this.scratch = Buffer.alloc(BLOCK + 256);
    this.outer = Buffer.alloc(BLOCK + OUT);
    for (let i = 0; i < BLOCK; i++) {
      this.scratch[i] = k0[i]! ^ 0x36;
      this.outer[i] = k0[i]! ^ 0x5c;
    }
  }

  /**
   * A buffer to write the message into, from offset `HmacSha256.MESSAGE_AT`, with room for at
   * least `messageBytes`. Valid until the next call on this object.
   */
  messageBuffer(messageBytes: number): Buffer {
    if (BLOCK + messageBytes > this.scratch.length) {
      const bigger = Buffer.alloc(BLOCK + messageBytes + 256);
      this.scratch.copy(bigger, 0, 0, BLOCK);
      this.scratch = bigger;
    }
    return this.scratch;
  }

  static readonly MESSAGE_AT = BLOCK;

  /** HMAC of the `messageBytes` bytes written at MESSAGE_AT of messageBuffer(); 32 bytes, a new Buffer. */
  digestWritten(messageBytes: number): Buffer {
    const message = this.scratch.subarray(BLOCK, BLOCK + messageBytes);
    if (!oneShot) return createHmac('sha256', this.key).update(message).digest();
    oneShot('sha256', this.scratch.subarray(0, BLOCK + messageBytes), 'buffer').copy(this.outer, BLOCK);
    return oneShot('sha256', this.outer, 'buffer');
  }

  /** HMAC of a message given as a buffer. */
  digest(message: Buffer): Buffer {
    message.copy(this.messageBuffer(message.length), BLOCK);
    return this.digestWritten(message.length);
  }
}
