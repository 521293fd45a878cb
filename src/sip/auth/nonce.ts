/**
 * Stateless, HMAC-signed nonces (RFC 7616 §3.3 and §5.4 suggest "time-stamp H(time-stamp ":" ETag
 * ":" secret-data)"). Issuing one stores nothing, so a flood of challenges costs no memory
 * (security.md §2.5 lesson 5).
 *
 *   nonce = base64url( epoch(4) | issued-at ms, uint48 BE (6) | seq, uint48 BE (6) | random (2) | mac (16) )
 *   mac   = HMAC-SHA256(secret, "strowger-nonce-v1" 0x00 epoch|issued|seq|random 0x00 realm 0x00 ip)[0..16)
 *
 * seq counts nonces issued by this instance: it makes every nonce unique and gives the nonce-count
 * tracker an exact order for its eviction watermark. Unpredictability is not needed for safety:
 * nothing can be forged without the secret (the MAC), and a response cannot be precomputed
 * without the password.
 *
 * - The realm is inside the MAC: a nonce issued for realm A is not valid for realm B (replay
 *   variant (f)).
 * - The client IP is inside the MAC when binding is on: the same nonce from another address is
 *   rejected (variant (e)).
 * - The timestamp is inside the MAC: tampering with it breaks the MAC (variant (f)).
 * - epoch identifies the issuing instance. nc tracking lives in memory, so after a restart a
 *   nonce from the previous instance must not be accepted as fresh (variant (g)): with the same
 *   secret its MAC still verifies, and it is reported as `foreign-epoch` (the caller answers
 *   stale=true, so the phone retries at once without prompting); with a new random secret it is
 *   simply `invalid`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { fillRandom } from '../../util/ids';
import { HmacSha256 } from './hmac';

const EPOCH_LEN = 4;
const TS_LEN = 6;
const SEQ_LEN = 6;
const RAND_LEN = 2;
const MAC_LEN = 16;
const BODY_LEN = EPOCH_LEN + TS_LEN + SEQ_LEN + RAND_LEN;
const NONCE_BYTES = BODY_LEN + MAC_LEN;
/** base64url length of NONCE_BYTES bytes, unpadded. */
export const NONCE_LENGTH = Math.ceil((NONCE_BYTES * 4) / 3);
const LABEL = Buffer.from('strowger-nonce-v1\0', 'latin1');

export type NonceCheck =
  | { kind: 'valid'; issuedAt: number; seq: number }
  | { kind: 'expired'; issuedAt: number; seq: number }
  | { kind: 'foreign-epoch'; issuedAt: number }
  | { kind: 'invalid' };

export class NonceSigner {
  readonly epoch: Buffer;
  private readonly hmac: HmacSha256;
  private seq = 0;

  /**
   * @param secret HMAC key (≥ 16 bytes recommended). Keep it stable across restarts to make old
   *   nonces come back as `foreign-epoch` (stale) instead of `invalid`.
   * @param epoch instance id; random by default (a new one per process).
   */
  constructor(secret: Buffer, epoch: Buffer = randomBytes(EPOCH_LEN)) {
    if (secret.length === 0) throw new RangeError('nonce secret must not be empty');
    if (epoch.length !== EPOCH_LEN) throw new RangeError(`epoch must be ${EPOCH_LEN} bytes`);
    this.hmac = new HmacSha256(secret);
    this.epoch = Buffer.from(epoch);
  }

  /** The MAC (first MAC_LEN bytes of the HMAC) of body (BODY_LEN bytes) for realm and ip. */
  private mac(body: Buffer, realm: string, ip: string | undefined): Buffer {
    const ipText = ip ?? '';
    // At most 3 UTF-8 bytes per UTF-16 code unit.
    const buf = this.hmac.messageBuffer(LABEL.length + BODY_LEN + 2 + 3 * (realm.length + ipText.length));
    let o = HmacSha256.MESSAGE_AT;
    o += LABEL.copy(buf, o);
    o += body.copy(buf, o, 0, BODY_LEN);
    buf[o++] = 0;
    o += buf.write(realm, o, 'utf8');
    buf[o++] = 0;
    o += buf.write(ipText, o, 'utf8');
    return this.hmac.digestWritten(o - HmacSha256.MESSAGE_AT).subarray(0, MAC_LEN);
  }

  /** A fresh nonce for realm (and ip, when the caller binds nonces to the client address). */
  issue(realm: string, ip: string | undefined, wallMs: number): string {
    const out = Buffer.allocUnsafe(NONCE_BYTES);
    this.epoch.copy(out, 0);
    out.writeUIntBE(Math.max(0, Math.floor(wallMs)), EPOCH_LEN, TS_LEN);
    this.seq = this.seq >= 0xffff_ffff_ffff ? 1 : this.seq + 1;
    out.writeUIntBE(this.seq, EPOCH_LEN + TS_LEN, SEQ_LEN);
    fillRandom(out, EPOCH_LEN + TS_LEN + SEQ_LEN, RAND_LEN);
    this.mac(out, realm, ip).copy(out, BODY_LEN);
    return out.toString('base64url');
  }

  /**
   * Checks signature, epoch and age. `maxFutureMs` tolerates a wall clock stepped back a little.
   * Never throws on attacker input.
   */
  check(nonce: string, realm: string, ip: string | undefined, wallMs: number, ttlMs: number, maxFutureMs = 2000): NonceCheck {
    if (nonce.length !== NONCE_LENGTH) return { kind: 'invalid' };
    const raw = Buffer.from(nonce, 'base64url');
    // Buffer's decoder skips junk characters; insist on the canonical encoding.
    if (raw.length !== NONCE_BYTES || raw.toString('base64url') !== nonce) return { kind: 'invalid' };
    const body = raw.subarray(0, BODY_LEN);
    const mac = raw.subarray(BODY_LEN);
    if (!timingSafeEqual(mac, this.mac(body, realm, ip))) return { kind: 'invalid' };
    const issuedAt = body.readUIntBE(EPOCH_LEN, TS_LEN);
    if (!body.subarray(0, EPOCH_LEN).equals(this.epoch)) return { kind: 'foreign-epoch', issuedAt };
    if (issuedAt > wallMs + maxFutureMs) return { kind: 'invalid' };
    const seq = body.readUIntBE(EPOCH_LEN + TS_LEN, SEQ_LEN);
    if (wallMs - issuedAt >= ttlMs) return { kind: 'expired', issuedAt, seq };
    return { kind: 'valid', issuedAt, seq };
  }
}
