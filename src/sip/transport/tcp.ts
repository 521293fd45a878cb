/**
 * TCP transport (RFC 3261 §18, stream side): a listening server plus outbound connections, one
 * StreamFramer per connection, connection reuse keyed by the remote ip:port (for a connection a
 * peer opened, that is its source address, so requests toward a registered TCP contact reuse it).
 *
 *   peer ──bytes──▶ socket ──▶ StreamFramer ──message──▶ handler.onFrame({connectionId})
 *                                    ├──ping (CRLFCRLF)──▶ write CRLF pong (RFC 5626 §3.5.1)
 *                                    └──error──▶ onFrame({framingError}) then close
 *
 * Timeouts (Clock-driven, configurable):
 * - messageTimeoutMs: a partial message (or an inbound connection that has not yet sent one
 *   complete message) must finish within this time, else close (RFC 4475 clerr, slowloris).
 * - idleTimeoutMs: a connection with no traffic in either direction for this long is closed.
 */
import { createConnection, createServer, isIPv6, type Server, type Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../util/clock';
import type { Logger } from '../../util/logger';
import { StreamFramer } from './stream-framer';
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  newTransportCounters,
  type HostPort,
  type SendTarget,
  type Transport,
  type TransportCounters,
  type TransportHandler,
} from './types';

export interface TcpTransportOptions {
  host: string;
  port: number;
  logger: Logger;
  clock: Clock;
  maxMessageSize?: number;
  /** Default 600 s; 0 disables. */
  idleTimeoutMs?: number;
  /** Default 32 s (64·T1 at T1 = 500 ms). */
  messageTimeoutMs?: number;
  /** Cap on open connections (inbound + outbound); excess inbound ones are closed at once. */
  maxConnections?: number;
  /** Cap on inbound connections from one IP address (security.md G17). Default 256. */
  maxConnectionsPerIp?: number;
  /**
   * Unsent output per connection above which we stop reading from it until it drains (default
   * 64 KiB). A peer that pipelines requests but never reads the responses would otherwise make us
   * queue them in memory without bound.
   */
  maxWriteBufferBytes?: number;
  /**
   * Messages (default 64) and bytes (default 256 KiB) one connection gets delivered per turn of
   * the event loop; the rest of a pipelined burst waits, with reading paused, for later turns.
   */
  maxMessagesPerTurn?: number;
  maxBytesPerTurn?: number;
}

const CRLF = Buffer.from('\r\n');

interface Connection {
  id: string;
  socket: Socket;
  key: string;
  remote: HostPort;
  inbound: boolean;
  framer: StreamFramer;
  lastActivity: number;
  /**
   * When the partial message now buffered began (for an inbound connection that has not sent a
   * complete message yet: when it was accepted). The message timeout runs from here, not from the
   * last byte, so a sender dribbling a byte at a time (slowloris) cannot hold a connection.
   */
  messageStartedAt: number;
  messagesIn: number;
  connected: boolean;
  closed: boolean;
  /** Reading paused until the socket drains (backpressure). */
  readPaused: boolean;
  /** Reading paused while buffered messages are delivered over later turns (see frame()). */
  backlog: boolean;
  timer?: TimerHandle;
  /** Error callbacks of writes issued before the connection was established. */
  pendingErrors: Array<(err: Error) => void>;
}

export class TcpTransport implements Transport {
  readonly protocol = 'TCP' as const;
  readonly reliable = true;
  readonly counters: TransportCounters = newTransportCounters();
  private server: Server | undefined;
  private handler: TransportHandler | undefined;
  private bound: HostPort;
  private readonly byId = new Map<string, Connection>();
  private readonly byKey = new Map<string, Connection>();
  private nextId = 1;
  private closed = false;
  private readonly log: Logger;
  private readonly maxMessageSize: number;
  private readonly idleTimeoutMs: number;
  private readonly messageTimeoutMs: number;
  private readonly maxConnections: number;
  private readonly maxPerIp: number;
  private readonly maxWriteBuffer: number;
  private readonly maxMessagesPerTurn: number;
  private readonly maxBytesPerTurn: number;
  /** Inbound connections per remote IP. */
  private readonly perIp = new Map<string, number>();

  private constructor(private readonly opts: TcpTransportOptions) {
    this.bound = { address: opts.host, port: opts.port };
    this.log = opts.logger.child({ mod: 'sip.tcp' });
    this.maxMessageSize = opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 600_000;
    this.messageTimeoutMs = opts.messageTimeoutMs ?? 32_000;
    this.maxConnections = opts.maxConnections ?? 4096;
    this.maxPerIp = opts.maxConnectionsPerIp ?? 256;
    this.maxWriteBuffer = opts.maxWriteBufferBytes ?? 64 * 1024;
    this.maxMessagesPerTurn = Math.max(1, opts.maxMessagesPerTurn ?? 64);
    this.maxBytesPerTurn = Math.max(1, opts.maxBytesPerTurn ?? 256 * 1024);
  }

  static async listen(opts: TcpTransportOptions): Promise<TcpTransport> {
    const t = new TcpTransport(opts);
    await t.bind();
    return t;
  }

  get local(): HostPort {
    return this.bound;
  }

  /** Open connections (for tests and metrics). */
  get connectionCount(): number {
    return this.byId.size;
  }

  setHandler(handler: TransportHandler): void {
    this.handler = handler;
  }

  hasConnection(connectionId: string): boolean {
    const c = this.byId.get(connectionId);
    return !!c && !c.closed;
  }

  connectionTo(address: string, port: number): string | undefined {
    const c = this.byKey.get(keyOf(address, port));
    return c && !c.closed ? c.id : undefined;
  }

  private bind(): Promise<void> {
    const server = createServer({ noDelay: true });
    this.server = server;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        server.close();
        reject(err);
      };
      server.once('error', onError);
      server.listen({ host: this.opts.host, port: this.opts.port, exclusive: true }, () => {
        server.off('error', onError);
        const a = server.address();
        if (a && typeof a === 'object') this.bound = { address: a.address, port: a.port };
        server.on('connection', (s) => this.onInbound(s));
        server.on('error', (err) => this.log.debug({ err }, 'tcp server error'));
        resolve();
      });
    });
  }

  private onInbound(socket: Socket): void {
    const remote = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    const fromIp = this.perIp.get(remote.address) ?? 0;
    if (this.closed || this.byId.size >= this.maxConnections || fromIp >= this.maxPerIp) {
      this.counters.connectionsRefused++;
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    this.perIp.set(remote.address, fromIp + 1);
    const conn = this.track(socket, remote, true);
    conn.connected = true;
  }

  private track(socket: Socket, remote: HostPort, inbound: boolean): Connection {
    const id = `tcp-${this.nextId++}`;
    const key = keyOf(remote.address, remote.port);
    const conn: Connection = {
      id,
      socket,
      key,
      remote,
      inbound,
      framer: new StreamFramer(this.maxMessageSize),
      lastActivity: this.opts.clock.now(),
      messageStartedAt: this.opts.clock.now(),
      messagesIn: 0,
      connected: false,
      closed: false,
      readPaused: false,
      backlog: false,
      pendingErrors: [],
    };
    this.byId.set(id, conn);
    this.byKey.set(key, conn);
    this.counters.connectionsOpened++;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(conn, chunk));
    socket.on('error', (err) => {
      this.log.debug({ err: err.message, conn: id }, 'tcp connection error');
      this.failPending(conn, err);
      this.closeConn(conn);
    });
    socket.on('close', () => {
      this.failPending(conn, new Error('connection closed'));
      this.closeConn(conn);
    });
    this.armTimer(conn);
    return conn;
  }

  private onData(conn: Connection, chunk: Buffer): void {
    if (conn.closed) return;
    const now = this.opts.clock.now();
    conn.lastActivity = now;
    this.counters.bytesIn += chunk.length;
    conn.framer.feed(chunk);
    // A backlog is being worked through on later turns (reading is paused meanwhile; a chunk
    // Node had already read still lands here and waits in the framer).
    if (conn.backlog) return;
    const wasWaiting = this.waitingForMessage(conn);
    const messagesBefore = conn.messagesIn;
    this.frame(conn);
    // A new message starts with this chunk (or what is left of it after complete ones).
    if (!conn.closed && (!wasWaiting || conn.messagesIn !== messagesBefore)) conn.messageStartedAt = now;
  }

  /**
   * Deliver what the framer holds, at most maxMessagesPerTurn messages / maxBytesPerTurn bytes
   * in this turn of the event loop. If more is buffered, stop reading from the socket (so the
   * backlog is bounded by what was already read) and go on in a later turn (setImmediate, after
   * the pending I/O of other sockets), so one connection pipelining a burst cannot hold the
   * event loop for the whole burst.
   */
  private frame(conn: Connection): void {
    const outputs = conn.framer.pull(this.maxMessagesPerTurn, this.maxBytesPerTurn);
    for (const o of outputs) {
      if (conn.closed) return;
      if (o.kind === 'ping') {
        this.counters.keepAlivesIn++;
        this.write(conn, CRLF);
      } else if (o.kind === 'message') {
        conn.messagesIn++;
        this.counters.framesIn++;
        this.deliver({ data: o.data, conn });
      } else {
        this.counters.framingErrors++;
        if (o.oversize) this.counters.oversize++;
        this.log.debug({ conn: conn.id, reason: o.reason }, 'tcp framing lost; closing');
        // Give the upper layer a chance to answer 400 on this connection, then close (§18.3).
        this.deliver({ data: o.head, conn, framingError: o.reason });
        this.closeConn(conn, true);
        return;
      }
    }
    if (conn.closed) return;
    if (conn.framer.hasMore) {
      if (!conn.backlog) {
        conn.backlog = true;
        this.counters.backlogPauses++;
        conn.socket.pause();
      }
      setImmediate(() => this.continueBacklog(conn));
    } else if (conn.backlog) {
      conn.backlog = false;
      if (!conn.readPaused) conn.socket.resume();
    }
  }

  private continueBacklog(conn: Connection): void {
    if (conn.closed) return;
    const messagesBefore = conn.messagesIn;
    this.frame(conn);
    if (!conn.closed && conn.messagesIn !== messagesBefore) conn.messageStartedAt = this.opts.clock.now();
  }

  private waitingForMessage(conn: Connection): boolean {
    return conn.framer.midMessage || (conn.inbound && conn.messagesIn === 0);
  }

  private deliver(x: { data: Buffer; conn: Connection; framingError?: string }): void {
    const h = this.handler;
    if (!h) return;
    try {
      h.onFrame({
        data: x.data,
        protocol: 'TCP',
        local: this.bound,
        remote: x.conn.remote,
        connectionId: x.conn.id,
        framingError: x.framingError,
      });
    } catch (err) {
      this.log.error({ err }, 'tcp frame handler threw');
    }
  }

  private armTimer(conn: Connection): void {
    conn.timer?.cancel();
    if (conn.closed) return;
    const deadline = this.deadlineOf(conn);
    if (deadline === undefined) return;
    const wait = Math.max(1, deadline - this.opts.clock.now());
    conn.timer = this.opts.clock.setTimeout(() => this.onTimer(conn), wait);
  }

  /** When this connection should be closed if nothing else happens. */
  private deadlineOf(conn: Connection): number | undefined {
    const limits: number[] = [];
    if (this.waitingForMessage(conn) && this.messageTimeoutMs > 0) limits.push(conn.messageStartedAt + this.messageTimeoutMs);
    if (this.idleTimeoutMs > 0) limits.push(conn.lastActivity + this.idleTimeoutMs);
    return limits.length === 0 ? undefined : Math.min(...limits);
  }

  private onTimer(conn: Connection): void {
    if (conn.closed) return;
    const deadline = this.deadlineOf(conn);
    if (deadline !== undefined && this.opts.clock.now() >= deadline) {
      this.counters.idleTimeouts++;
      this.log.debug({ conn: conn.id, partial: conn.framer.pendingBytes }, 'tcp connection timed out; closing');
      this.closeConn(conn);
      return;
    }
    this.armTimer(conn);
  }

  send(data: Buffer, target: SendTarget, onError?: (err: Error) => void): void {
    if (this.closed) {
      this.counters.sendErrors++;
      if (onError) queueMicrotask(() => onError(new Error('TCP transport closed')));
      return;
    }
    let conn = target.connectionId ? this.byId.get(target.connectionId) : undefined;
    if (!conn || conn.closed) conn = this.byKey.get(keyOf(target.address, target.port));
    if (!conn || conn.closed) {
      const opened = this.connect(target);
      if (!opened) {
        this.counters.sendErrors++;
        if (onError) queueMicrotask(() => onError(new Error('TCP connection limit reached')));
        return;
      }
      conn = opened;
    }
    if (!conn.connected && onError) conn.pendingErrors.push(onError);
    this.write(conn, data, onError);
    this.counters.framesOut++;
  }

  private connect(target: SendTarget): Connection | undefined {
    if (this.byId.size >= this.maxConnections) return undefined;
    const socket = createConnection({
      host: target.address,
      port: target.port,
      family: isIPv6(target.address) ? 6 : 4,
      localAddress: this.bound.address === '0.0.0.0' || this.bound.address === '::' ? undefined : this.bound.address,
    });
    const conn = this.track(socket, { address: target.address, port: target.port }, false);
    socket.once('connect', () => {
      conn.connected = true;
      conn.pendingErrors = [];
      conn.lastActivity = this.opts.clock.now();
    });
    return conn;
  }

  private write(conn: Connection, data: Buffer, onError?: (err: Error) => void): void {
    if (conn.closed) {
      this.counters.sendErrors++;
      if (onError) queueMicrotask(() => onError(new Error('connection closed')));
      return;
    }
    conn.lastActivity = this.opts.clock.now();
    this.counters.bytesOut += data.length;
    conn.socket.write(data, (err) => {
      if (err && conn.connected) {
        this.counters.sendErrors++;
        onError?.(err);
      }
    });
    // Backpressure: stop reading (so the peer's requests wait in the kernel and TCP flow control
    // slows it down) until what we owe it has drained.
    if (!conn.readPaused && conn.socket.writableLength > this.maxWriteBuffer) {
      conn.readPaused = true;
      this.counters.readsPaused++;
      conn.socket.pause();
      conn.socket.once('drain', () => {
        conn.readPaused = false;
        if (!conn.closed && !conn.backlog) conn.socket.resume();
      });
    }
  }

  private failPending(conn: Connection, err: Error): void {
    if (conn.pendingErrors.length === 0) return;
    const cbs = conn.pendingErrors;
    conn.pendingErrors = [];
    this.counters.sendErrors += cbs.length;
    for (const cb of cbs) {
      try {
        cb(err);
      } catch (e) {
        this.log.error({ err: e }, 'send error callback threw');
      }
    }
  }

  /** Close one connection. graceful: flush queued writes (e.g. a 400) before closing. */
  private closeConn(conn: Connection, graceful = false): void {
    if (conn.closed) return;
    conn.closed = true;
    conn.timer?.cancel();
    this.byId.delete(conn.id);
    if (this.byKey.get(conn.key) === conn) this.byKey.delete(conn.key);
    if (conn.inbound) {
      const left = (this.perIp.get(conn.remote.address) ?? 1) - 1;
      if (left <= 0) this.perIp.delete(conn.remote.address);
      else this.perIp.set(conn.remote.address, left);
    }
    this.counters.connectionsClosed++;
    if (graceful) {
      conn.socket.end();
      const force = this.opts.clock.setTimeout(() => conn.socket.destroy(), 2000);
      conn.socket.once('close', () => force.cancel());
    } else {
      conn.socket.destroy();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const conn of [...this.byId.values()]) this.closeConn(conn);
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function keyOf(address: string, port: number): string {
  return `${address.toLowerCase()}|${port}`;
}
