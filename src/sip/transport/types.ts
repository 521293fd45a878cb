/**
 * The byte-level transport contract (architecture.md habit 4: calls go down, callbacks come up).
 *
 * A Transport moves whole SIP messages as bytes: a datagram for UDP, one Content-Length framed
 * message for a stream (TCP does its own framing, see stream-framer.ts). It never parses SIP
 * beyond framing; TransportLayer (transport-layer.ts) parses, stamps Via received/rport, answers
 * unparseable-but-answerable requests with 400 and routes responses (RFC 3261 §18).
 *
 *   TransportLayer ──send(bytes, target)──▶ Transport (UDP | TCP | Loop)
 *   TransportLayer ◀──handler.onFrame()──── Transport
 */

export type TransportProtocol = 'UDP' | 'TCP';

export interface HostPort {
  address: string;
  port: number;
}

/** Where to send bytes. For a stream transport, connectionId (when still open) wins. */
export interface SendTarget {
  protocol: TransportProtocol;
  address: string;
  port: number;
  connectionId?: string;
}

/** One framed message (or, for a stream whose framing broke, the bytes read so far). */
export interface ReceivedFrame {
  data: Buffer;
  protocol: TransportProtocol;
  local: HostPort;
  remote: HostPort;
  /** Stream transports: the connection the bytes arrived on (responses go back on it). */
  connectionId?: string;
  /**
   * Set when a stream's framing is lost (bad/conflicting/missing Content-Length). `data` then
   * holds the header section only; the upper layer may answer 400 on `connectionId`
   * synchronously inside onFrame, after which the transport closes the connection.
   */
  framingError?: string;
}

export interface TransportHandler {
  onFrame(frame: ReceivedFrame): void;
}

/** Per-transport counters; names are stable so tests and metrics can read them. */
export interface TransportCounters {
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  bytesOut: number;
  sendErrors: number;
  /** RFC 5626 §3.5.1 CRLFCRLF pings answered (streams) / bare CRLF datagrams ignored (UDP). */
  keepAlivesIn: number;
  /** Streams: framing errors (bad/missing/conflicting Content-Length, oversize) → connection closed. */
  framingErrors: number;
  oversize: number;
  connectionsOpened: number;
  connectionsClosed: number;
  /** Inbound connections closed at once: over the total or per-IP cap. */
  connectionsRefused: number;
  idleTimeouts: number;
  /** Streams: times reading from a connection was paused because its unsent output passed the cap (a peer that does not read). */
  readsPaused: number;
  /**
   * Streams: times a connection had more buffered messages than one turn delivers, so reading
   * paused while the rest went up over later turns (TcpTransportOptions.maxMessagesPerTurn).
   */
  backlogPauses: number;
}

export function newTransportCounters(): TransportCounters {
  return {
    framesIn: 0,
    bytesIn: 0,
    framesOut: 0,
    bytesOut: 0,
    sendErrors: 0,
    keepAlivesIn: 0,
    framingErrors: 0,
    oversize: 0,
    connectionsOpened: 0,
    connectionsClosed: 0,
    connectionsRefused: 0,
    idleTimeouts: 0,
    readsPaused: 0,
    backlogPauses: 0,
  };
}

export interface Transport {
  readonly protocol: TransportProtocol;
  /** RFC 3261 §17: reliable transports skip retransmission timers (A, E, G) and zero D/I/J/K. */
  readonly reliable: boolean;
  /** Bound address (valid after listen()/construction). */
  readonly local: HostPort;
  readonly counters: TransportCounters;
  setHandler(handler: TransportHandler): void;
  /**
   * Send bytes. Never throws for network reasons: failures (EHOSTUNREACH, refused connection,
   * closed socket, ...) are counted and reported through onError, asynchronously or not.
   */
  send(data: Buffer, target: SendTarget, onError?: (err: Error) => void): void;
  /** True when a stream connection with this id (or to this address) is open. */
  hasConnection?(connectionId: string): boolean;
  /** Stream transports: id of an open connection whose remote end is address:port. */
  connectionTo?(address: string, port: number): string | undefined;
  /** Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_MESSAGE_SIZE = 65_536;

/** Default SIP port per transport (RFC 3261 §19.1.2). */
export function defaultPort(transport: string): number {
  const t = transport.toUpperCase();
  return t === 'TLS' || t === 'WSS' ? 5061 : 5060;
}
