import { describe, expect, it } from 'vitest';
import { DEFAULT_LATCHING, LatchVerdict, SourceLatch, type LatchingPolicy } from '../../../src/media/latching';

const SDP = { address: '127.0.0.1', port: 4000 };
const { ACCEPT, WRONG_SOURCE, LEARNING } = LatchVerdict;

function latch(p: Partial<LatchingPolicy> = {}): SourceLatch {
  const l = new SourceLatch({ ...DEFAULT_LATCHING, ...p });
  l.setExpected(SDP);
  return l;
}

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

  it('learns a NAT-mapped source after confirmPackets packets with an expected PT', () => {
    const l = latch({ confirmPackets: 3 });
    const seen: unknown[] = [];
    l.onLatch = (a) => seen.push(a);
    expect(l.target).toEqual(SDP); // send to SDP until learned
    expect(l.check('127.0.0.9', 5555, false, 0)).toBe(LEARNING); // wrong PT: does not count
    expect(l.check('127.0.0.9', 5555, true, 1)).toBe(LEARNING);
    expect(l.check('127.0.0.9', 5555, true, 2)).toBe(LEARNING);
    expect(l.check('127.0.0.9', 5555, true, 3)).toBe(ACCEPT);
    expect(l.target).toEqual({ address: '127.0.0.9', port: 5555 });
    expect(seen).toEqual([{ address: '127.0.0.9', port: 5555 }]);
  });

  it('confirmation must be consecutive: an interleaved stranger resets it', () => {
    const l = latch({ confirmPackets: 2 });
    expect(l.check('127.0.0.9', 5555, true, 0)).toBe(LEARNING);
    expect(l.check('127.0.0.66', 7777, true, 1)).toBe(LEARNING);
    expect(l.check('127.0.0.9', 5555, true, 2)).toBe(LEARNING);
    expect(l.check('127.0.0.9', 5555, true, 3)).toBe(ACCEPT);
  });

  it('within the window the SDP source takes over from a learned stranger; after it, nobody does', () => {
    const l = latch({ confirmPackets: 2, windowMs: 1000 });
    l.check('127.0.0.66', 9999, true, 0);
    expect(l.check('127.0.0.66', 9999, true, 1)).toBe(ACCEPT); // attacker latched first
    expect(l.check('127.0.0.1', 4000, true, 500)).toBe(ACCEPT); // genuine SDP source wins
    expect(l.target).toEqual(SDP);
    expect(l.check('127.0.0.66', 9999, true, 600)).toBe(WRONG_SOURCE);

    const m = latch({ confirmPackets: 2, windowMs: 1000 });
    m.check('127.0.0.9', 5555, true, 0);
    m.check('127.0.0.9', 5555, true, 1);
    expect(m.check('127.0.0.1', 4000, true, 2000)).toBe(WRONG_SOURCE); // window over: locked
    // Another stranger never takes over a learned source, even inside the window.
    const n = latch({ confirmPackets: 1, windowMs: 1000 });
    n.check('127.0.0.9', 5555, true, 0);
    expect(n.check('127.0.0.66', 5555, true, 1)).toBe(WRONG_SOURCE);
    expect(n.check('127.0.0.66', 5555, true, 2)).toBe(WRONG_SOURCE);
  });

  it('sameIpOnly refuses sources on another IP than the SDP one', () => {
    const l = latch({ sameIpOnly: true, confirmPackets: 1 });
    expect(l.check('127.0.0.66', 4000, true, 0)).toBe(WRONG_SOURCE);
    expect(l.check('127.0.0.1', 4010, true, 1)).toBe(ACCEPT); // same IP, NAT port
  });

  it('strict mode accepts only the SDP address and never learns', () => {
    const l = latch({ mode: 'strict' });
    expect(l.check('127.0.0.9', 5555, true, 0)).toBe(WRONG_SOURCE);
    expect(l.check('127.0.0.9', 5555, true, 1)).toBe(WRONG_SOURCE);
    expect(l.check('127.0.0.1', 4000, true, 2)).toBe(ACCEPT);
    expect(l.target).toEqual(SDP);
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
    const l = latch({ confirmPackets: 1 });
    l.check('127.0.0.9', 5555, true, 0);
    l.setExpected({ ...SDP });
    expect(l.latchedSource).toEqual({ address: '127.0.0.9', port: 5555 });
    l.setExpected({ address: '127.0.0.2', port: 6000 });
    expect(l.latchedSource).toBeUndefined();
    expect(l.target).toEqual({ address: '127.0.0.2', port: 6000 });
    expect(l.check('127.0.0.2', 6000, true, 1)).toBe(ACCEPT);
  });
});
