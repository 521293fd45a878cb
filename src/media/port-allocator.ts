/**
 * RTP/RTCP port pairs from a configured range (`rtp-start-port`..`rtp-end-port`).
 *
 * RFC 3550 §11: RTP uses an even port and RTCP the next (odd) one. A pair is reserved in memory
 * before binding, so concurrent allocations never pick the same pair, and binding is the real
 * test of availability: if another process holds either port (EADDRINUSE), both sockets are closed
 * and the next pair is tried. The cursor walks the range round-robin so a just-released pair is the
 * last to be reused (late packets of the old call do not land in a new one). Exhaustion is a
 * control-plane error: StrowgerError MEDIA_PORTS_EXHAUSTED.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { StrowgerError } from '../util/errors';
import { logger as rootLogger } from '../util/logger';

export interface PortAllocatorOptions {
  /** Address the sockets bind to (config rtp-ip). */
  ip: string;
  /** First port of the range (rounded up to even). */
  startPort: number;
  /** Last port of the range (inclusive; an RTP port is used only if its RTCP port fits). */
  endPort: number;
  /** Socket receive buffer size in bytes, if set. */
  recvBufferSize?: number;
}

/** A bound RTP/RTCP socket pair. release() closes both sockets and frees the pair; idempotent. */
export interface PortPair {
  readonly ip: string;
  readonly rtpPort: number;
  readonly rtcpPort: number;
  readonly rtpSocket: Socket;
  readonly rtcpSocket: Socket;
  release(): void;
}

function bindSocket(sock: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      sock.off('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      sock.off('error', onError);
      resolve();
    };
    sock.once('error', onError);
    sock.once('listening', onListening);
    sock.bind({ port, address, exclusive: true });
  });
}

function closeQuietly(sock: Socket): void {
  try {
    sock.close();
  } catch {
    // already closed or never bound
  }
}

export class PortAllocator {
  readonly ip: string;
  readonly firstRtpPort: number;
  readonly lastRtpPort: number;
  private readonly reserved = new Set<number>();
  private cursor: number;
  private readonly log = rootLogger.child({ mod: 'media.ports' });

  constructor(private readonly opts: PortAllocatorOptions) {
    const { startPort, endPort } = opts;
    if (!Number.isInteger(startPort) || !Number.isInteger(endPort) || startPort < 1 || endPort > 65535) {
      throw new StrowgerError('CONFIG_INVALID', `bad RTP port range ${startPort}-${endPort}`);
    }
    this.ip = opts.ip;
    this.firstRtpPort = startPort % 2 === 0 ? startPort : startPort + 1;
    this.lastRtpPort = endPort % 2 === 0 ? endPort - 2 : endPort - 1;
    if (this.lastRtpPort < this.firstRtpPort) {
      throw new StrowgerError('CONFIG_INVALID', `RTP port range ${startPort}-${endPort} holds no even/odd pair`);
    }
    this.cursor = this.firstRtpPort;
  }

  /** Number of pairs the range can hold. */
  get capacity(): number {
    return (this.lastRtpPort - this.firstRtpPort) / 2 + 1;
  }

  /** Number of pairs currently handed out (or being bound). */
  get inUse(): number {
    return this.reserved.size;
  }

  isReserved(rtpPort: number): boolean {
    return this.reserved.has(rtpPort);
  }

  /**
   * Bind a free pair on `ip` (default: the allocator's ip). Tries each pair of the range at most
   * once; throws StrowgerError MEDIA_PORTS_EXHAUSTED if none could be bound.
   */
  async allocate(ip: string = this.ip): Promise<PortPair> {
    const type = isIPv6(ip) ? 'udp6' : 'udp4';
    const n = this.capacity;
    let busyElsewhere = 0;
    for (let i = 0; i < n; i++) {
      const port = this.cursor;
      this.cursor = port + 2 > this.lastRtpPort ? this.firstRtpPort : port + 2;
      if (this.reserved.has(port)) continue;
      this.reserved.add(port);
      const rtp = createSocket({ type, reuseAddr: false });
      const rtcp = createSocket({ type, reuseAddr: false });
      try {
        await bindSocket(rtp, port, ip);
        await bindSocket(rtcp, port + 1, ip);
      } catch (err) {
        closeQuietly(rtp);
        closeQuietly(rtcp);
        this.reserved.delete(port);
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES') {
          busyElsewhere++;
          continue;
        }
        // EADDRNOTAVAIL etc.: the IP itself is wrong; no other port will do better.
        throw new StrowgerError('CONFIG_INVALID', `cannot bind RTP on ${ip}: ${code ?? String(err)}`, { ip, port });
      }
      if (this.opts.recvBufferSize) {
        try {
          rtp.setRecvBufferSize(this.opts.recvBufferSize);
        } catch (err) {
          this.log.debug({ err }, 'setRecvBufferSize failed');
        }
      }
      return this.makePair(ip, port, rtp, rtcp);
    }
    this.log.warn({ ip, capacity: n, inUse: this.reserved.size, busyElsewhere }, 'RTP ports exhausted');
    throw new StrowgerError('MEDIA_PORTS_EXHAUSTED', undefined, {
      ip,
      startPort: this.opts.startPort,
      endPort: this.opts.endPort,
      inUse: this.reserved.size,
      busyElsewhere,
    });
  }

  private makePair(ip: string, port: number, rtpSocket: Socket, rtcpSocket: Socket): PortPair {
    let released = false;
    return {
      ip,
      rtpPort: port,
      rtcpPort: port + 1,
      rtpSocket,
      rtcpSocket,
      release: () => {
        if (released) return;
        released = true;
        closeQuietly(rtpSocket);
        closeQuietly(rtcpSocket);
        this.reserved.delete(port);
      },
    };
  }
}
