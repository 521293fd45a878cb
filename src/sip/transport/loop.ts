/**
 * In-memory loop transport for tests (architecture.md habit 5, after pjsip's loop transport).
 *
 *   LoopNetwork (clock) ── holds every LoopTransport by protocol|address|port
 *     transport.send(bytes, target) ──[fault knobs]──▶ clock.setTimeout(delay) ──▶ peer.onFrame
 *
 * Delivery always goes through the clock (even with delay 0), so a FakeClock test decides when
 * bytes arrive (`clock.advance(0)`) and a handler that sends never re-enters another handler.
 *
 * Fault knobs (per transport, mutable at any time):
 * - dropProbability (with an injectable rng) and dropPredicate(data, target): lose the bytes
 *   (a 'TCP' loop still "loses" them: use it to model a stuck peer);
 * - delayMs: extra latency;
 * - failSend (boolean or predicate): the send fails with an error passed to onError
 *   (RFC 3261 §17.1.4 transport error), nothing is delivered.
 * Sending to an address nobody bound is silently lost on 'UDP' and an ECONNREFUSED error on 'TCP'.
 */
import type { Clock } from '../../util/clock';
import {
  newTransportCounters,
  type HostPort,
  type ReceivedFrame,
  type SendTarget,
  type Transport,
  type TransportCounters,
  type TransportHandler,
  type TransportProtocol,
} from './types';

export interface LoopFaults {
  dropProbability?: number;
  dropPredicate?: (data: Buffer, target: SendTarget) => boolean;
  delayMs?: number;
  failSend?: boolean | ((data: Buffer, target: SendTarget) => boolean);
}

export class LoopNetwork {
  private readonly nodes = new Map<string, LoopTransport>();
  /** Every delivery attempt, for tests that want to look at the wire. */
  readonly sent: Array<{ from: HostPort; to: SendTarget; data: Buffer; dropped: boolean }> = [];
  /** Keep the last N entries of `sent` (bounded memory in long tests). */
  maxLog = 10_000;

  constructor(readonly clock: Clock, readonly rng: () => number = Math.random) {}

  /** Create and attach a transport at address:port (port 0 picks a free one from 40000). */
  bind(protocol: TransportProtocol, address: string, port = 0): LoopTransport {
    let p = port;
    if (p === 0) {
      p = 40_000;
      while (this.nodes.has(keyOf(protocol, address, p))) p++;
    }
    const key = keyOf(protocol, address, p);
    if (this.nodes.has(key)) throw new Error(`loop address in use: ${key}`);
    const t = new LoopTransport(this, protocol, { address, port: p });
    this.nodes.set(key, t);
    return t;
  }

  /** @internal */
  detach(t: LoopTransport): void {
    const key = keyOf(t.protocol, t.local.address, t.local.port);
    if (this.nodes.get(key) === t) this.nodes.delete(key);
  }

  /** @internal */
  route(from: LoopTransport, data: Buffer, target: SendTarget, onError?: (err: Error) => void): void {
    const f = from.faults;
    const failing = typeof f.failSend === 'function' ? f.failSend(data, target) : f.failSend === true;
    if (failing) {
      from.counters.sendErrors++;
      this.clock.setTimeout(() => onError?.(errno('ENETUNREACH', 'loop: send failed (fault knob)')), 0);
      return;
    }
    const dropped =
      (f.dropProbability !== undefined && f.dropProbability > 0 && this.rng() < f.dropProbability) ||
      (f.dropPredicate !== undefined && f.dropPredicate(data, target));
    this.sent.push({ from: from.local, to: target, data, dropped });
    if (this.sent.length > this.maxLog) this.sent.splice(0, this.sent.length - this.maxLog);
    from.counters.framesOut++;
    from.counters.bytesOut += data.length;
    if (dropped) return;
    const peer = this.nodes.get(keyOf(target.protocol, target.address, target.port));
    if (!peer) {
      if (target.protocol === 'TCP') {
        from.counters.sendErrors++;
        this.clock.setTimeout(() => onError?.(errno('ECONNREFUSED', 'loop: nobody listening')), 0);
      }
      return;
    }
    const frame: ReceivedFrame = {
      data: Buffer.from(data),
      protocol: target.protocol,
      local: peer.local,
      remote: from.local,
    };
    this.clock.setTimeout(() => peer.receive(frame), f.delayMs ?? 0);
  }
}

export class LoopTransport implements Transport {
  readonly reliable: boolean;
  readonly counters: TransportCounters = newTransportCounters();
  faults: LoopFaults = {};
  private handler: TransportHandler | undefined;
  private closed = false;

  constructor(
    private readonly network: LoopNetwork,
    readonly protocol: TransportProtocol,
    readonly local: HostPort,
  ) {
    this.reliable = protocol === 'TCP';
  }

  setHandler(handler: TransportHandler): void {
    this.handler = handler;
  }

  send(data: Buffer, target: SendTarget, onError?: (err: Error) => void): void {
    if (this.closed) {
      this.counters.sendErrors++;
      this.network.clock.setTimeout(() => onError?.(new Error('loop transport closed')), 0);
      return;
    }
    this.network.route(this, data, { ...target, protocol: this.protocol }, onError);
  }

  /** Inject bytes as if a peer at `remote` had sent them. */
  inject(data: Buffer | string, remote: HostPort): void {
    this.receive({
      data: typeof data === 'string' ? Buffer.from(data) : data,
      protocol: this.protocol,
      local: this.local,
      remote,
    });
  }

  /** @internal */
  receive(frame: ReceivedFrame): void {
    if (this.closed) return;
    this.counters.framesIn++;
    this.counters.bytesIn += frame.data.length;
    this.handler?.onFrame(frame);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.network.detach(this);
  }
}

function keyOf(protocol: TransportProtocol, address: string, port: number): string {
  return `${protocol}|${address}|${port}`;
}

function errno(code: string, message: string): Error {
  const e = new Error(message) as Error & { code: string };
  e.code = code;
  return e;
}
