/**
 * Symmetric RTP / latching: which source address a session accepts media from and sends media to.
 *
 * FreeSWITCH calls this "auto adjust" ("Auto Changing audio port"): a phone behind NAT puts its
 * private address in SDP, so we learn the real source from the first packets and send there
 * (symmetric RTP, RFC 4961). Learning is also the attack surface of RTP bleed/injection
 * (security.md §3.5): a stranger that sprays our port range may get latched. The policy is explicit:
 *
 *  mode 'strict'  accept only packets from the SDP address and port, send there. No NAT support.
 *  mode 'learn'   (default). Sources are ranked:
 *      3  exactly the SDP address and port;
 *      2  the SDP IP, or the IP the leg's signalling came from (`hintIp`), on another port;
 *      1  any other IP: only if `foreignIp` allows it: 'always', or 'if-sdp-private' (default) when
 *         the SDP address is private/unroutable (RFC 1918, RFC 6598, link-local, unspecified, ULA),
 *         i.e. there is evidence of NAT; 'never' refuses them;
 *      0  refused (counted as wrong source).
 *    - Not latched yet: rank 3 latches at once; ranks 2 and 1 need `confirmPackets` consecutive
 *      packets with an expected PT. Packets of unconfirmed sources are dropped, never forwarded.
 *    - Latched: for `windowMs` after the latch a better-ranked source still takes over (rank 3 at
 *      once, rank 2 after confirmation); after that the latch is locked and every other source is
 *      dropped and counted.
 *    - `rebindAfterMs` > 0: once the latched source has been silent that long, a new port on the
 *      same IP may re-latch after confirmation (genuine NAT rebinding). 0 (default) disables.
 *    - A new SDP address (re-INVITE) clears the latch and starts learning again.
 *
 * Documented bleed/inject bound: a stranger on another IP than the SDP/signalling IP is never
 * latched when the SDP address is routable (default policy). When it is private (NAT), a stranger
 * can latch only by sending `confirmPackets` packets before the genuine peer, and is displaced as
 * soon as the peer sends from its signalling IP within `windowMs`.
 */

export type LatchMode = 'learn' | 'strict';
export type ForeignIpPolicy = 'never' | 'if-sdp-private' | 'always';

export interface LatchingPolicy {
  mode: LatchMode;
  windowMs: number;
  confirmPackets: number;
  foreignIp: ForeignIpPolicy;
  rebindAfterMs: number;
}

export const DEFAULT_LATCHING: LatchingPolicy = {
  mode: 'learn',
  windowMs: 3000,
  confirmPackets: 2,
  foreignIp: 'if-sdp-private',
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

/**
 * The first two octets of a dotted-quad IPv4 address starting at `from` (a * 256 + b), or -1 when
 * the rest of the string is not exactly four 1-3 digit decimal parts of at most 255. No split, no
 * array: this runs for every SDP address a session is given.
 */
function v4Prefix(ip: string, from: number): number {
  let part = 0;
  let digits = 0;
  let v = 0;
  let prefix = 0;
  for (let i = from; i <= ip.length; i++) {
    const c = i < ip.length ? ip.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || v > 255) return -1;
      if (part < 2) prefix = prefix * 256 + v;
      part++;
      if (part > 4) return -1;
      digits = 0;
      v = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9 || ++digits > 3) return -1;
    v = v * 10 + d;
  }
  return part === 4 ? prefix : -1;
}

export function isPrivateAddress(ip: string): boolean {
  const v4 = v4Prefix(ip, ip.startsWith('::ffff:') ? 7 : 0);
  if (v4 >= 0) {
    const a = v4 >> 8;
    const b = v4 & 0xff;
    return (
      a === 10 ||
      a === 0 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254)
    );
  }
  const l = ip.toLowerCase();
  return l === '::' || l.startsWith('fc') || l.startsWith('fd') || l.startsWith('fe8') || l.startsWith('fe9') || l.startsWith('fea') || l.startsWith('feb');
}

export class SourceLatch {
  private expected: TransportAddress | undefined;
  private hintIp: string | undefined;
  private foreignAllowed = false;
  private latched: TransportAddress | undefined;
  private latchedRank = 0;
  private latchedAt = 0;
  private lastSeenAt = 0;
  private candAddress = '';
  private candPort = -1;
  private candCount = 0;
  /** Number of times the latch moved (first latch included). */
  latchCount = 0;
  /** Called when the latch moves. */
  onLatch: ((addr: TransportAddress) => void) | undefined;

  constructor(readonly policy: LatchingPolicy) {
    this.updateForeign();
  }

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

  /**
   * New SDP address, and the IP the leg's signalling comes from (a NAT'ed phone sends RTP from it).
   * A changed address clears the latch (re-INVITE); the same one keeps it.
   */
  setExpected(addr: TransportAddress | undefined, hintIp?: string): void {
    const same = addr && this.expected && addr.address === this.expected.address && addr.port === this.expected.port;
    this.expected = addr ? { address: addr.address, port: addr.port } : undefined;
    this.hintIp = hintIp;
    this.updateForeign();
    if (same) return;
    this.latched = undefined;
    this.latchedRank = 0;
    this.candPort = -1;
    this.candCount = 0;
  }

  private updateForeign(): void {
    const p = this.policy.foreignIp;
    this.foreignAllowed = p === 'always' || (p === 'if-sdp-private' && (!this.expected || isPrivateAddress(this.expected.address)));
  }

  private rank(address: string, port: number): number {
    const exp = this.expected;
    if (exp !== undefined && exp.address === address) return exp.port === port ? 3 : 2;
    if (this.hintIp !== undefined && this.hintIp === address) return 2;
    return this.foreignAllowed ? 1 : 0;
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
    if (this.policy.mode === 'strict') {
      if (exp === undefined || exp.port !== port || exp.address !== address) return LatchVerdict.WRONG_SOURCE;
      this.lastSeenAt = now;
      return LatchVerdict.ACCEPT;
    }
    const r = this.rank(address, port);
    if (r === 0) return LatchVerdict.WRONG_SOURCE;
    if (!ptOk) return latched ? LatchVerdict.WRONG_SOURCE : LatchVerdict.LEARNING;
    if (latched === undefined) {
      return r === 3 ? this.latch(address, port, r, now) : this.confirm(address, port, r, now);
    }
    if (r > this.latchedRank && now - this.latchedAt < this.policy.windowMs) {
      const v = r === 3 ? this.latch(address, port, r, now) : this.confirm(address, port, r, now);
      return v === LatchVerdict.ACCEPT ? v : LatchVerdict.WRONG_SOURCE;
    }
    if (this.policy.rebindAfterMs > 0 && address === latched.address && now - this.lastSeenAt >= this.policy.rebindAfterMs) {
      const v = this.confirm(address, port, this.latchedRank, now);
      return v === LatchVerdict.ACCEPT ? v : LatchVerdict.WRONG_SOURCE;
    }
    return LatchVerdict.WRONG_SOURCE;
  }

  private confirm(address: string, port: number, rank: number, now: number): LatchVerdictCode {
    if (this.candPort === port && this.candAddress === address) {
      this.candCount++;
    } else {
      this.candAddress = address;
      this.candPort = port;
      this.candCount = 1;
    }
    if (this.candCount >= this.policy.confirmPackets) return this.latch(address, port, rank, now);
    return LatchVerdict.LEARNING;
  }

  private latch(address: string, port: number, rank: number, now: number): LatchVerdictCode {
    this.latched = { address, port };
    this.latchedRank = rank;
    this.latchedAt = now;
    this.lastSeenAt = now;
    this.candPort = -1;
    this.candCount = 0;
    this.latchCount++;
    this.onLatch?.(this.latched);
    return LatchVerdict.ACCEPT;
  }
}
