import { describe, expect, it } from 'vitest';
import { DEFAULT_LATCHING, isPrivateAddress, LatchVerdict, SourceLatch, type LatchingPolicy } from '../../../src/media/latching';

const SDP = { address: '127.0.0.1', port: 4000 };
const NAT_SDP = { address: '192.168.1.10', port: 4000 };
const { ACCEPT, WRONG_SOURCE, LEARNING } = LatchVerdict;

function latch(p: Partial<LatchingPolicy> = {}, sdp = SDP, hintIp?: string): SourceLatch {
  const l = new SourceLatch({ ...DEFAULT_LATCHING, ...p });
  l.setExpected(sdp, hintIp);
  return l;
}

describe('isPrivateAddress', () => {
  it('recognises NAT-side and unroutable addresses', () => {
    for (const ip of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.9', '100.64.0.1', '100.127.1.1', '169.254.3.3', '0.0.0.0', '::ffff:10.0.0.1', 'fd00::1', 'fe80::1', '::']) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
    for (const ip of ['127.0.0.1', '8.8.8.8', '172.32.0.1', '192.169.0.1', '100.128.0.1', '2001:db8::1', '1.2.3', '10.0.0.256', 'a.b.c.d']) {
      expect(isPrivateAddress(ip), ip).toBe(false);
    }
  });

  it('treats anything that is not exactly a dotted quad as not an IPv4 address', () => {
    for (const ip of ['10.0.0', '10.0.0.1.', '.10.0.0.1', '10..0.1', '10.0.0.1.5', '0010.0.0.1', '10.0.0.-1', '10.0.0.1 ', '10.0.0.1/8', '', '::ffff:10.0.0', '::ffff:8.8.8.8']) {
      expect(isPrivateAddress(ip), ip).toBe(false);
    }
    for (const ip of ['010.0.0.1', '10.000.0.1', '192.168.255.255', '172.20.1.1', '::ffff:192.168.1.1']) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
  });
});

describe('SourceLatch', () => {
  it('latches at once onto the SDP address and then rejects everyone else', () => {
    const l = latch();
    expect(l.check('127.0.0.1', 4000, true, 0)).toBe(ACCEPT);
    expect(l.latchedSource).toEqual(SDP);
    expect(l.check('127.0.0.66', 4000, true, 10)).toBe(WRONG_SOURCE);
    expect(l.check('127.0.0.66', 4000, true, 20)).toBe(WRONG_SOURCE);
    expect(l.check('127.0.0.1', 4002, true, 30)).toBe(WRONG_SOURCE);
    expect(l.target).toEqual(SDP);
  });

  it('a routable SDP address: strangers on other IPs are never latched, even before the peer sends', () => {
    const l = latch();
    for (let i = 0; i < 50; i++) expect(l.check('127.0.0.66', 9999, true, i)).toBe(WRONG_SOURCE);
    expect(l.latchedSource).toBeUndefined();
    expect(l.target).toEqual(SDP);
    // Same IP, other port (NAT port rewrite) is learnable.
    expect(l.check('127.0.0.1', 5000, true, 100)).toBe(LEARNING);
    expect(l.check('127.0.0.1', 5000, true, 120)).toBe(ACCEPT);
  });

  it('private SDP address (NAT): learns the mapped source after confirmPackets packets with an expected PT', () => {
    const l = latch({ confirmPackets: 3 }, NAT_SDP);
    const seen: unknown[] = [];
    l.onLatch = (a) => seen.push(a);
    expect(l.target).toEqual(NAT_SDP); // send to SDP until learned
    expect(l.check('127.0.0.9', 5555, false, 0)).toBe(LEARNING); // wrong PT: does not count
    expect(l.check('127.0.0.9', 5555, true, 1)).toBe(LEARNING);
    expect(l.check('127.0.0.9', 5555, true, 2)).toBe(LEARNING);
    expect(l.check('127.0.0.9', 5555, true, 3)).toBe(ACCEPT);
    expect(l.target).toEqual({ address: '127.0.0.9', port: 5555 });
    expect(seen).toEqual([{ address: '127.0.0.9', port: 5555 }]);
  });

  it('confirmation must be consecutive: an interleaved stranger resets it', () => {
    const l = latch({ confirmPackets: 2 }, NAT_SDP);
    expect(l.check('127.0.0.9', 5555, true, 0)).toBe(LEARNING);
    expect(l.check('127.0.0.66', 7777, true, 1)).toBe(LEARNING);
    expect(l.check('127.0.0.9', 5555, true, 2)).toBe(LEARNING);
    expect(l.check('127.0.0.9', 5555, true, 3)).toBe(ACCEPT);
  });

  it('within the window a better source (signalling IP, SDP address) takes over a stranger; after it, nobody does', () => {
    const l = latch({ confirmPackets: 2, windowMs: 1000 }, NAT_SDP, '127.0.0.5');
    l.check('127.0.0.66', 9999, true, 0);
    expect(l.check('127.0.0.66', 9999, true, 1)).toBe(ACCEPT); // attacker latched first
    expect(l.check('127.0.0.5', 3333, true, 100)).toBe(WRONG_SOURCE); // genuine peer, confirming
    expect(l.check('127.0.0.5', 3333, true, 120)).toBe(ACCEPT); // signalling IP wins
    expect(l.target).toEqual({ address: '127.0.0.5', port: 3333 });
    expect(l.check('127.0.0.66', 9999, true, 130)).toBe(WRONG_SOURCE);
    expect(l.check('192.168.1.10', 4000, true, 140)).toBe(ACCEPT); // exact SDP ranks higher still

    const m = latch({ confirmPackets: 2, windowMs: 1000 }, NAT_SDP, '127.0.0.5');
    m.check('127.0.0.66', 9999, true, 0);
    m.check('127.0.0.66', 9999, true, 1);
    m.check('127.0.0.5', 3333, true, 2000);
    expect(m.check('127.0.0.5', 3333, true, 2020)).toBe(WRONG_SOURCE); // window over: locked
    // An equal-rank stranger never takes over a learned source, even inside the window.
    const n = latch({ confirmPackets: 1, windowMs: 1000 }, NAT_SDP);
    n.check('127.0.0.9', 5555, true, 0);
    expect(n.check('127.0.0.66', 5555, true, 1)).toBe(WRONG_SOURCE);
    expect(n.check('127.0.0.66', 5555, true, 2)).toBe(WRONG_SOURCE);
  });

  it("foreignIp 'never' refuses other IPs even with a private SDP address; 'always' accepts them with a routable one", () => {
    const l = latch({ foreignIp: 'never', confirmPackets: 1 }, NAT_SDP);
    expect(l.check('127.0.0.66', 4000, true, 0)).toBe(WRONG_SOURCE);
    expect(l.check('192.168.1.10', 4010, true, 1)).toBe(ACCEPT); // same IP, NAT port
    const m = latch({ foreignIp: 'always', confirmPackets: 1 });
    expect(m.check('127.0.0.66', 4000, true, 0)).toBe(ACCEPT);
  });

  it('strict mode accepts only the SDP address and never learns', () => {
    const l = latch({ mode: 'strict' }, NAT_SDP);
    expect(l.check('127.0.0.9', 5555, true, 0)).toBe(WRONG_SOURCE);
    expect(l.check('127.0.0.9', 5555, true, 1)).toBe(WRONG_SOURCE);
    expect(l.check('192.168.1.10', 4000, true, 2)).toBe(ACCEPT);
    expect(l.target).toEqual(NAT_SDP);
  });

  it('NAT rebinding: same IP new port re-latches only after the silence policy', () => {
    const l = latch({ rebindAfterMs: 2000, confirmPackets: 2 });
    expect(l.check('127.0.0.1', 4000, true, 0)).toBe(ACCEPT);
    expect(l.check('127.0.0.1', 4444, true, 100)).toBe(WRONG_SOURCE);
    expect(l.check('127.0.0.1', 4444, true, 200)).toBe(WRONG_SOURCE); // latched source still fresh
    expect(l.check('127.0.0.1', 4444, true, 2100)).toBe(WRONG_SOURCE); // silent long enough: confirming
    expect(l.check('127.0.0.1', 4444, true, 2120)).toBe(ACCEPT);
    expect(l.target).toEqual({ address: '127.0.0.1', port: 4444 });
    // Another IP never rebinds.
    expect(l.check('127.0.0.66', 4444, true, 9000)).toBe(WRONG_SOURCE);
    // Disabled by default.
    const d = latch();
    d.check('127.0.0.1', 4000, true, 0);
    expect(d.check('127.0.0.1', 4444, true, 100000)).toBe(WRONG_SOURCE);
    expect(d.check('127.0.0.1', 4444, true, 100020)).toBe(WRONG_SOURCE);
  });

  it('a new SDP address (re-INVITE) clears the latch; the same one keeps it', () => {
    const l = latch({ confirmPackets: 1 }, NAT_SDP);
    l.check('127.0.0.9', 5555, true, 0);
    l.setExpected({ ...NAT_SDP });
    expect(l.latchedSource).toEqual({ address: '127.0.0.9', port: 5555 });
    l.setExpected({ address: '127.0.0.2', port: 6000 });
    expect(l.latchedSource).toBeUndefined();
    expect(l.target).toEqual({ address: '127.0.0.2', port: 6000 });
    expect(l.check('127.0.0.2', 6000, true, 1)).toBe(ACCEPT);
  });
});
