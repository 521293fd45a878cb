import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../src/util/clock';
import { LoopNetwork } from '../../../../src/sip/transport/loop';
import type { ReceivedFrame } from '../../../../src/sip/transport/types';

function setup(rng?: () => number) {
  const clock = new FakeClock();
  const net = new LoopNetwork(clock, rng);
  const a = net.bind('UDP', '127.0.0.1', 5060);
  const b = net.bind('UDP', '127.0.0.2', 5060);
  const got: ReceivedFrame[] = [];
  b.setHandler({ onFrame: (f) => got.push(f) });
  return { clock, net, a, b, got };
}

const to = { protocol: 'UDP' as const, address: '127.0.0.2', port: 5060 };

describe('LoopTransport', () => {
  it('delivers through the clock, with source and destination addresses', () => {
    const { clock, a, got } = setup();
    a.send(Buffer.from('hello'), to);
    expect(got).toHaveLength(0); // never synchronous
    clock.advance(0);
    expect(got).toHaveLength(1);
    expect(got[0]!.data.toString()).toBe('hello');
    expect(got[0]!.remote).toEqual({ address: '127.0.0.1', port: 5060 });
    expect(got[0]!.local).toEqual({ address: '127.0.0.2', port: 5060 });
    expect(a.counters.framesOut).toBe(1);
  });

  it('delay knob', () => {
    const { clock, a, got } = setup();
    a.faults.delayMs = 250;
    a.send(Buffer.from('x'), to);
    clock.advance(249);
    expect(got).toHaveLength(0);
    clock.advance(1);
    expect(got).toHaveLength(1);
  });

  it('drop probability uses the injected rng; drop predicate picks messages', () => {
    const seq = [0.1, 0.9, 0.1, 0.9];
    let i = 0;
    const { clock, net, a, got } = setup(() => seq[i++ % seq.length]!);
    a.faults.dropProbability = 0.5;
    for (let n = 0; n < 4; n++) a.send(Buffer.from(`m${n}`), to);
    clock.advance(0);
    expect(got.map((f) => f.data.toString())).toEqual(['m1', 'm3']);
    expect(net.sent.filter((s) => s.dropped)).toHaveLength(2);
    a.faults = { dropPredicate: (d) => d.toString().includes('INVITE') };
    a.send(Buffer.from('INVITE ...'), to);
    a.send(Buffer.from('OPTIONS ...'), to);
    clock.advance(0);
    expect(got.map((f) => f.data.toString())).toEqual(['m1', 'm3', 'OPTIONS ...']);
  });

  it('failSend reports an error and delivers nothing', () => {
    const { clock, a, got } = setup();
    a.faults.failSend = true;
    const errors: Error[] = [];
    a.send(Buffer.from('x'), to, (e) => errors.push(e));
    clock.advance(0);
    expect(errors).toHaveLength(1);
    expect(got).toHaveLength(0);
    expect(a.counters.sendErrors).toBe(1);
  });

  it('unbound destination: lost on UDP, ECONNREFUSED on TCP', () => {
    const clock = new FakeClock();
    const net = new LoopNetwork(clock);
    const u = net.bind('UDP', '127.0.0.1');
    const t = net.bind('TCP', '127.0.0.1');
    expect(t.reliable).toBe(true);
    expect(u.reliable).toBe(false);
    const errors: string[] = [];
    u.send(Buffer.from('x'), { protocol: 'UDP', address: '127.0.0.9', port: 1 }, (e) => errors.push(`udp ${e.message}`));
    t.send(Buffer.from('x'), { protocol: 'TCP', address: '127.0.0.9', port: 1 }, (e) => errors.push(`tcp ${(e as Error & { code?: string }).code}`));
    clock.advance(0);
    expect(errors).toEqual(['tcp ECONNREFUSED']);
  });

  it('bind rejects an address in use; close() detaches and is idempotent', async () => {
    const { clock, net, a, b, got } = setup();
    expect(() => net.bind('UDP', '127.0.0.2', 5060)).toThrow(/in use/);
    await b.close();
    await b.close();
    a.send(Buffer.from('x'), to);
    clock.advance(0);
    expect(got).toHaveLength(0);
    expect(net.bind('UDP', '127.0.0.2', 5060).local.port).toBe(5060);
  });
});
