/**
 * Symmetric RTP / latching: which source address a session accepts media from and sends media to.
 *
 * FreeSWITCH calls this "auto adjust" ("Auto Changing audio port"): a phone behind NAT puts its
 * private address in SDP, so we learn the real source from the first packets and send there
 * (symmetric RTP, RFC 4961). Learning is also the attack surface of RTP bleed/injection
 * (security.md §3.5): a stranger that sprays our port range may get latched. The policy below keeps
 * that explicit:
 *
 *  mode 'strict'  accept only packets from the SDP address and port, send there. No NAT support.
 *  mode 'learn'   (default)
 *    - before any latch: a packet from exactly the SDP address (with an expected PT) latches at once;
 *      another source needs `confirmPackets` consecutive valid packets (and, with `sameIpOnly`, the
 *      SDP IP). Packets from unconfirmed sources are dropped, so nothing is forwarded from them.
 *    - during `windowMs` after a latch onto a non-SDP source, the SDP source still takes over as
 *      soon as it shows up; nobody else does.
 *    - after that the latch is locked: every other source is dropped and counted (wrong source).
 *    - `rebindAfterMs` > 0: if the latched source has been silent that long, a new port on the same
 *      IP may re-latch after `confirmPackets` packets (genuine NAT rebinding). 0 disables.
 *    - a new SDP address (re-INVITE) clears the latch and starts learning again.
 * Documented bleed bound: a stranger can only receive our media if it latched first, i.e. it sent
 * `confirmPackets` packets with an expected PT before the genuine peer sent any; it keeps receiving
 * only until the genuine peer's first packet from its SDP address (within `windowMs`).
 */

export type LatchMode = 'learn' | 'strict';

export interface LatchingPolicy {
  mode: LatchMode;
  windowMs: number;
  confirmPackets: number;
  sameIpOnly: boolean;
  rebindAfterMs: number;
}

export const DEFAULT_LATCHING: LatchingPolicy = {
  mode: 'learn',
  windowMs: 3000,
  confirmPackets: 2,
  sameIpOnly: false,
  rebindAfterMs: 0,
};

export interface TransportAddress {
  address: string;
  port: number;
}

export const LatchVerdict = {
  ACCEPT: 0,
  /** From a source other than the latched / expected one. */
  WRONG_SOURCE: 1,
  /** From a source that is being confirmed (learning), not yet accepted. */
  LEARNING: 2,
} as const;
export type LatchVerdictCode = (typeof LatchVerdict)[keyof typeof LatchVerdict];

export class SourceLatch {
  private expected: TransportAddress | undefined;
  private latched: TransportAddress | undefined;
  private latchedIsExpected = false;
  private latchedAt = 0;
  private lastSeenAt = 0;
  private candAddress = '';
  private candPort = -1;
  private candCount = 0;
  /** Number of times the latch moved (first latch included). */
  latchCount = 0;

  constructor(readonly policy: LatchingPolicy) {}

  /** Where media goes: the latched source, else the SDP address. */
  get target(): TransportAddress | undefined {
    return this.latched ?? this.expected;
  }

  get latchedSource(): TransportAddress | undefined {
    return this.latched;
  }

  get expectedSource(): TransportAddress | undefined {
    return this.expected;
  }

  /** New SDP address. A changed address clears the latch (re-INVITE); the same one keeps it. */
  setExpected(addr: TransportAddress | undefined): void {
    const same = addr && this.expected && addr.address === this.expected.address && addr.port === this.expected.port;
    this.expected = addr ? { address: addr.address, port: addr.port } : undefined;
    if (same) return;
    this.latched = undefined;
    this.latchedIsExpected = false;
    this.candPort = -1;
    this.candCount = 0;
  }

  /**
   * Decide about one packet from address:port at time `now`. `ptOk` says whether its payload type is
   * one the session expects (only such packets may latch).
   */
  check(address: string, port: number, ptOk: boolean, now: number): LatchVerdictCode {
    const latched = this.latched;
    if (latched !== undefined && latched.port === port && latched.address === address) {
      this.lastSeenAt = now;
      return LatchVerdict.ACCEPT;
    }
    const exp = this.expected;
    const isExpected = exp !== undefined && exp.port === port && exp.address === address;
    if (this.policy.mode === 'strict') {
      if (!isExpected) return LatchVerdict.WRONG_SOURCE;
      this.lastSeenAt = now;
      return LatchVerdict.ACCEPT;
    }
    if (!ptOk) return latched ? LatchVerdict.WRONG_SOURCE : LatchVerdict.LEARNING;
    if (latched === undefined) {
      if (isExpected) return this.latch(address, port, true, now);
      if (this.policy.sameIpOnly && exp !== undefined && exp.address !== address) return LatchVerdict.WRONG_SOURCE;
      return this.confirm(address, port, now);
    }
    // Already latched onto someone else.
    if (isExpected && !this.latchedIsExpected && now - this.latchedAt < this.policy.windowMs) {
      return this.latch(address, port, true, now);
    }
    if (
      this.policy.rebindAfterMs > 0 &&
      address === latched.address &&
      now - this.lastSeenAt >= this.policy.rebindAfterMs
    ) {
      const v = this.confirm(address, port, now);
      return v === LatchVerdict.ACCEPT ? v : LatchVerdict.WRONG_SOURCE;
    }
    return LatchVerdict.WRONG_SOURCE;
  }

  private confirm(address: string, port: number, now: number): LatchVerdictCode {
    if (this.candPort === port && this.candAddress === address) {
      this.candCount++;
    } else {
      this.candAddress = address;
      this.candPort = port;
      this.candCount = 1;
    }
    if (this.candCount >= this.policy.confirmPackets) return this.latch(address, port, false, now);
    return LatchVerdict.LEARNING;
  }

  private latch(address: string, port: number, isExpected: boolean, now: number): LatchVerdictCode {
    this.latched = { address, port };
    this.latchedIsExpected = isExpected;
    this.latchedAt = now;
    this.lastSeenAt = now;
    this.candPort = -1;
    this.candCount = 0;
    this.latchCount++;
    this.onLatch?.(this.latched);
    return LatchVerdict.ACCEPT;
  }

  /** Called when the latch moves. */
  onLatch: ((addr: TransportAddress) => void) | undefined;
}
