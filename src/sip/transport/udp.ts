/**
 * UDP transport (RFC 3261 §18.1.1 / §18.2.1 datagram side). One socket per bound address.
 * A datagram is one message (§18.3: trailing octets are the parser's business). Bare CRLF
 * datagrams are keep-alives (RFC 5626 §3.5.1 uses STUN on UDP; CRLF is what phones send) and are
 * ignored and counted. Send failures are counted and reported, never thrown.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIPv6 } from 'node:net';
import { ipFamily } from './ip-family';
import type { Logger } from '../../util/logger';
import {
  newTransportCounters,
  type HostPort,
  type SendTarget,
  type Transport,
  type TransportCounters,
  type TransportHandler,
} from './types';

export interface UdpTransportOptions {
  host: string;
  port: number;
  logger: Logger;
  /** Receive buffer bytes (SO_RCVBUF); undefined keeps the OS default. */
  recvBufferSize?: number;
}

export class UdpTransport implements Transport {
  readonly protocol = 'UDP' as const;
  readonly reliable = false;
  readonly counters: TransportCounters = newTransportCounters();
  private socket: Socket | undefined;
  private handler: TransportHandler | undefined;
  private bound: HostPort;
  private closed = false;
  private readonly log: Logger;

  private constructor(private readonly opts: UdpTransportOptions) {
    this.bound = { address: opts.host, port: opts.port };
    this.log = opts.logger.child({ mod: 'sip.udp' });
  }

  /** Bind and start receiving. Rejects (control plane) when the address cannot be bound. */
  static async listen(opts: UdpTransportOptions): Promise<UdpTransport> {
    const t = new UdpTransport(opts);
    await t.bind();
    return t;
  }

  get local(): HostPort {
    return this.bound;
  }

  setHandler(handler: TransportHandler): void {
    this.handler = handler;
  }

  private bind(): Promise<void> {
    const socket = createSocket({ type: isIPv6(this.opts.host) ? 'udp6' : 'udp4', reuseAddr: false, lookup: ipLiteralLookup });
    this.socket = socket;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        socket.close();
        reject(err);
      };
      socket.once('error', onError);
      socket.bind({ address: this.opts.host, port: this.opts.port, exclusive: true }, () => {
        socket.off('error', onError);
        const a = socket.address();
        this.bound = { address: a.address, port: a.port };
        if (this.opts.recvBufferSize) {
          try {
            socket.setRecvBufferSize(this.opts.recvBufferSize);
          } catch (err) {
            this.log.debug({ err }, 'setRecvBufferSize failed');
          }
        }
        socket.on('message', (data, rinfo) => this.onDatagram(data, { address: rinfo.address, port: rinfo.port }));
        socket.on('error', (err) => {
          // Asynchronous ICMP errors etc.: count, never crash (habit 9).
          this.counters.sendErrors++;
          this.log.debug({ err }, 'udp socket error');
        });
        resolve();
      });
    });
  }

  private onDatagram(data: Buffer, remote: HostPort): void {
    this.counters.framesIn++;
    this.counters.bytesIn += data.length;
    if (isOnlyWhitespace(data)) {
      this.counters.keepAlivesIn++;
      return;
    }
    const h = this.handler;
    if (!h) return;
    try {
      h.onFrame({ data, protocol: 'UDP', local: this.bound, remote });
    } catch (err) {
      this.log.error({ err }, 'udp frame handler threw');
    }
  }

  /**
   * Queue a datagram; the queue goes out at the end of this event-loop turn (setImmediate, after
   * the I/O callbacks of the turn), in order. Under load one turn answers dozens of datagrams:
   * sending them back to back costs a fraction of sending each between other work (the kernel's
   * loopback/wake-up path stays warm), and a turn's work no longer waits on the syscalls.
   */
  send(data: Buffer, target: SendTarget, onError?: (err: Error) => void): void {
    if (!this.socket || this.closed) {
      this.counters.sendErrors++;
      if (onError) queueMicrotask(() => onError(new Error('UDP transport closed')));
      return;
    }
    this.outQ.push(data, target, onError);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Pending datagrams, three slots each: data, target, onError. */
  private outQ: Array<Buffer | SendTarget | ((err: Error) => void) | undefined> = [];
  private flushScheduled = false;

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const socket = this.socket;
    if (socket && !this.closed) this.drain(socket);
  };

  private drain(socket: Socket): void {
    const q = this.outQ;
    this.outQ = [];
    for (let i = 0; i < q.length; i += 3) this.sendNow(socket, q[i] as Buffer, q[i + 1] as SendTarget, q[i + 2] as ((err: Error) => void) | undefined);
  }

  private sendNow(socket: Socket, data: Buffer, target: SendTarget, onError: ((err: Error) => void) | undefined): void {
    try {
      socket.send(data, target.port, target.address, (err) => {
        if (err) {
          this.counters.sendErrors++;
          this.log.debug({ err: err.message, to: `${target.address}:${target.port}` }, 'udp send failed');
          onError?.(err);
          return;
        }
        this.counters.framesOut++;
        this.counters.bytesOut += data.length;
      });
    } catch (err) {
      // Synchronous argument errors (bad port...) are data-plane failures too.
      this.counters.sendErrors++;
      this.log.debug({ err }, 'udp send threw');
      onError?.(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const socket = this.socket;
    if (!socket) return;
    // What this turn queued still goes out (a final response, a BYE) before the socket closes.
    this.drain(socket);
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * The socket's address lookup (dgram `lookup` option). The transport layer only sends to IP
 * literals: answer those at once instead of through dns.lookup, which defers every send by a
 * process.nextTick. Anything else still goes to dns.lookup.
 */
function ipLiteralLookup(hostname: string, options: number | LookupOneOptions, callback: LookupCallback): void {
  const fam = ipFamily(hostname);
  if (fam !== 0) {
    callback(null, hostname, fam);
    return;
  }
  dnsLookup(hostname, typeof options === 'number' ? { family: options } : options, callback);
}

/** CR/LF/SP/HT only: a keep-alive, not a message. */
function isOnlyWhitespace(data: Buffer): boolean {
  if (data.length > 64) return false;
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (c !== 13 && c !== 10 && c !== 32 && c !== 9) return false;
  }
  return true;
}
