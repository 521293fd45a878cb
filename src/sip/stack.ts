/**
 * SipStack: the one public door into src/sip/ (architecture.md). Calls go down, callbacks come up.
 *
 *   TU (profile server, later dialogs)       stack.onRequest / onAck / onCancel / onStrayResponse
 *        │ sendRequest / sendAck / sendStateless        ▲
 *        ▼                                              │
 *   SipStack ── validateRequest (§8.2 syntax) / responseProblem (§8.1.3.3) ── counters
 *        │                                              ▲
 *   TransactionLayer (ICT, NICT, IST, NIST; matching §17.1.3 / §17.2.3; CANCEL §9.2)
 *        │                                              ▲
 *   TransportLayer (parse, received/rport, §18.2.2 routing, 400 for unparseable requests)
 *        │                                              ▲
 *   UdpTransport + TcpTransport on one ip:port, or LoopTransports in tests
 *
 * Dialogs are not here (another layer); the TU gets the transactions and builds on them.
 */
import { isIPv6 } from 'node:net';
import { realClock, type Clock } from '../util/clock';
import { StrowgerError } from '../util/errors';
import { token } from '../util/ids';
import { logger as rootLogger, type Logger } from '../util/logger';
import { createResponse, getTopVia, responseProblem, validateRequest } from './message';
import type { SipRequest, SipResponse } from './message/types';
import type { ServerTransaction } from './transaction/server-transaction';
import { resolveTimers, type TimerConfig } from './transaction/timers';
import { TransactionLayer, type ClientTransaction, type TransactionUser } from './transaction/transaction-layer';
import type { ClientTransactionCallbacks } from './transaction/types';
import { TcpTransport } from './transport/tcp';
import { TransportLayer, type InboundEnvelope, type KeptMessage, type SentMessage } from './transport/transport-layer';
import type { HostPort, SendTarget, Transport, TransportCounters, TransportProtocol } from './transport/types';
import { UdpTransport } from './transport/udp';
import type { ResponseHint } from './transport/via-routing';

export interface StreamOptions {
  maxMessageSize?: number;
  /** Close a connection with no traffic for this long (default 600 s; 0 = never). */
  idleTimeoutMs?: number;
  /** Close a connection stuck in a partial message this long (default 64·T1). */
  messageTimeoutMs?: number;
  maxConnections?: number;
  maxConnectionsPerIp?: number;
}

export interface SipStackOptions {
  clock?: Clock;
  timers?: Partial<TimerConfig>;
  logger?: Logger;
  /** Added as User-Agent to requests sent through sendRequest when absent. */
  userAgent?: string;
  /** Pre-built transports (loop transports in tests); listen() adds UDP+TCP. */
  transports?: Transport[];
  stream?: StreamOptions;
  /** 100 Trying delay for INVITE server transactions: 0 = at once (default, as FreeSWITCH). */
  trying100DelayMs?: number;
  /**
   * Cap on live full server transactions (before and during their final response); excess
   * requests get 503. Default 50000. Completed non-INVITE transactions on UDP are kept compact
   * and bounded by maxCompletedServerTransactions instead (TransactionLayerOptions).
   */
  maxServerTransactions?: number;
  maxCompletedServerTransactions?: number;
  /** SO_RCVBUF for the UDP listeners (bursts at high call rates overflow the OS default); undefined keeps the default. */
  udpRecvBufferSize?: number;
}

export interface ListenOptions {
  host: string;
  /** 0 = pick a free port usable by both UDP and TCP. */
  port: number;
  udp?: boolean;
  tcp?: boolean;
}

export type RequestHandler = (tx: ServerTransaction, req: SipRequest, env: InboundEnvelope) => void;
export type AckHandler = (ack: SipRequest, env: InboundEnvelope, inviteTx?: ServerTransaction) => void;
export type CancelHandler = (inviteTx: ServerTransaction, cancel: SipRequest, env: InboundEnvelope) => void;
export type ResponseHandler = (res: SipResponse, env: InboundEnvelope) => void;

export interface StackCounters {
  messagesIn: number;
  messagesOut: number;
  requestsIn: number;
  responsesIn: number;
  parseErrors: number;
  parseErrorReasons: Record<string, number>;
  badRequestsAnswered: number;
  /** Parsed requests refused by validateRequest (400/505 sent statelessly). */
  invalidRequests: number;
  /** Responses dropped by responseProblem (bad status, several Vias, ...). */
  responsesDropped: number;
  retransmissionsAbsorbed: number;
  retransmissionsSent: number;
  serverTransactions: number;
  clientTransactions: number;
  serverTransactionsCreated: number;
  clientTransactionsCreated: number;
  acksMatched: number;
  cancelsMatched: number;
  cancelsUnmatched: number;
  strayResponses: number;
  strayAcks: number;
  sendErrors: number;
  unroutable: number;
  transports: Record<string, TransportCounters>;
}

export class SipStack {
  readonly clock: Clock;
  readonly timers: TimerConfig;
  readonly transport: TransportLayer;
  readonly transactions: TransactionLayer;
  private readonly log: Logger;
  private requestHandler: RequestHandler | undefined;
  private ackHandler: AckHandler | undefined;
  private cancelHandler: CancelHandler | undefined;
  private strayHandler: ResponseHandler | undefined;
  private invalidRequests = 0;
  private responsesDropped = 0;
  private closed = false;

  constructor(private readonly opts: SipStackOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.timers = resolveTimers(opts.timers);
    this.log = (opts.logger ?? rootLogger).child({ mod: 'sip.stack' });
    this.transport = new TransportLayer({ clock: this.clock, logger: this.log });
    this.transactions = new TransactionLayer({
      clock: this.clock,
      timers: this.timers,
      logger: this.log,
      transport: this.transport,
      trying100DelayMs: opts.trying100DelayMs,
      maxServerTransactions: opts.maxServerTransactions,
      maxCompletedServerTransactions: opts.maxCompletedServerTransactions,
    });
    const tu: TransactionUser = {
      onRequest: (tx, req, env) => {
        const h = this.requestHandler;
        if (h) h(tx, req, env);
        else tx.reply(501, { reason: 'Not Implemented' });
      },
      onAck: (ack, env, tx) => this.ackHandler?.(ack, env, tx),
      onCancel: (tx, cancel, env) => {
        const h = this.cancelHandler;
        if (h) h(tx, cancel, env);
        else if (!tx.finalSent) tx.reply(487, { reason: 'Request Terminated' });
      },
      onStrayResponse: (res, env) => this.strayHandler?.(res, env),
    };
    this.transactions.setUser(tu);
    this.transport.setReceiver((msg, env) => {
      if (msg.type === 'request') this.onIncomingRequest(msg, env);
      else this.onIncomingResponse(msg, env);
    });
    for (const t of opts.transports ?? []) this.transport.add(t);
  }

  // ------------------------------------------------------------------ wiring

  /** Bind UDP and TCP on the same host:port (RFC 3261 §18: a UAS listens on both). */
  async listen(o: ListenOptions): Promise<{ udp?: HostPort; tcp?: HostPort }> {
    if (this.closed) throw new StrowgerError('SIP_TRANSPORT', 'stack is closed');
    const wantUdp = o.udp ?? true;
    const wantTcp = o.tcp ?? true;
    const s = this.opts.stream ?? {};
    const makeTcp = (port: number) =>
      TcpTransport.listen({
        host: o.host,
        port,
        logger: this.log,
        clock: this.clock,
        maxMessageSize: s.maxMessageSize,
        idleTimeoutMs: s.idleTimeoutMs,
        messageTimeoutMs: s.messageTimeoutMs ?? 64 * this.timers.T1,
        maxConnections: s.maxConnections,
        maxConnectionsPerIp: s.maxConnectionsPerIp,
      });
    let lastErr: unknown;
    for (let attempt = 0; attempt < (o.port === 0 ? 20 : 1); attempt++) {
      let udp: UdpTransport | undefined;
      try {
        udp = wantUdp ? await UdpTransport.listen({ host: o.host, port: o.port, logger: this.log, recvBufferSize: this.opts.udpRecvBufferSize }) : undefined;
        const port = udp ? udp.local.port : o.port;
        const tcp = wantTcp ? await makeTcp(port) : undefined;
        if (udp) this.transport.add(udp);
        if (tcp) this.transport.add(tcp);
        return { udp: udp?.local, tcp: tcp?.local };
      } catch (err) {
        lastErr = err;
        await udp?.close();
      }
    }
    const msg = lastErr instanceof Error ? lastErr.message : String(lastErr);
    throw new StrowgerError('SIP_TRANSPORT', `cannot listen on ${o.host}:${o.port}: ${msg}`, { host: o.host, port: o.port });
  }

  addTransport(t: Transport): void {
    this.transport.add(t);
  }

  onRequest(fn: RequestHandler): void {
    this.requestHandler = fn;
  }
  onAck(fn: AckHandler): void {
    this.ackHandler = fn;
  }
  onCancel(fn: CancelHandler): void {
    this.cancelHandler = fn;
  }
  onStrayResponse(fn: ResponseHandler): void {
    this.strayHandler = fn;
  }

  // ------------------------------------------------------------------ inbound

  private onIncomingRequest(req: SipRequest, env: InboundEnvelope): void {
    const rejection = validateRequest(req);
    if (rejection) {
      this.invalidRequests++;
      this.log.debug({ method: req.method, status: rejection.status, reason: rejection.reason }, 'invalid request');
      if (req.method !== 'ACK') this.transactions.sendStatelessReply(req, env, rejection.status, rejection.reason);
      return;
    }
    this.transactions.handleRequest(req, env);
  }

  private onIncomingResponse(res: SipResponse, env: InboundEnvelope): void {
    const problem = responseProblem(res);
    if (problem) {
      this.responsesDropped++;
      this.log.debug({ status: res.status, problem }, 'response dropped');
      return;
    }
    this.transactions.handleResponse(res, env);
  }

  // ------------------------------------------------------------------ outbound

  /** A fresh RFC 3261 branch (§8.1.1.7). */
  newBranch(): string {
    return 'z9hG4bK' + token(10);
  }

  /** The address this stack writes into Via/Contact for a protocol (the bound transport's). */
  localAddress(protocol: TransportProtocol, toward?: string): HostPort | undefined {
    const t = this.transport.pick(protocol, toward ?? '127.0.0.1');
    return t?.local;
  }

  /**
   * Send a request in a new client transaction. If the request has no Via, one is added with a
   * fresh branch and `;rport` (RFC 3581) for the transport toward `dest`; Max-Forwards 70 and
   * User-Agent are added when missing. Control plane: throws StrowgerError on misuse.
   */
  sendRequest(req: SipRequest, dest: SendTarget, callbacks: ClientTransactionCallbacks = {}): ClientTransaction {
    if (this.closed) throw new StrowgerError('SIP_TRANSACTION', 'stack is closed');
    this.prepareRequest(req, dest);
    return this.transactions.sendRequest(req, dest, callbacks);
  }

  /** Send an ACK for a 2xx (or any request) outside a transaction (§13.2.2.4, §17.1.1.3). */
  sendAck(ack: SipRequest, dest: SendTarget, onError?: (err: Error) => void): SentMessage | undefined {
    if (this.closed) return undefined;
    this.prepareRequest(ack, dest);
    return this.transport.sendRequest(ack, dest, onError);
  }

  /** Send a kept message (keepSent of what sendAck returned) to the same target again. */
  resend(kept: KeptMessage, onError?: (err: Error) => void): void {
    if (this.closed) return;
    this.transport.resend(kept, onError);
  }

  /** Send a response outside any transaction, routed by its Via (§18.2.2, RFC 3581). */
  sendStateless(res: SipResponse, hint?: ResponseHint, onError?: (err: Error) => void): void {
    if (this.closed) return;
    this.transport.sendResponse(res, hint, onError);
  }

  /** Build and send a stateless reply to a request (no transaction is created). */
  replyStateless(req: SipRequest, env: InboundEnvelope, status: number, reason?: string, headers?: Array<[string, string]>): void {
    if (req.method === 'ACK') return;
    const res = createResponse(req, status, reason, { toTag: token(6), headers });
    this.sendStateless(res, { protocol: env.transport, remote: env.remote, connectionId: env.connectionId });
  }

  private prepareRequest(req: SipRequest, dest: SendTarget): void {
    const h = req.headers;
    if (!h.has('via')) {
      const local = this.localAddress(dest.protocol, dest.address);
      if (!local) throw new StrowgerError('SIP_TRANSPORT', `no ${dest.protocol} transport to send from`);
      const host = isIPv6(local.address) ? `[${local.address}]` : local.address;
      h.prepend('Via', `SIP/2.0/${dest.protocol} ${host}:${local.port};branch=${this.newBranch()};rport`);
    } else if (!getTopVia(req)) {
      throw new StrowgerError('SIP_TRANSACTION', 'request has an unparseable top Via');
    }
    if (!h.has('max-forwards')) h.append('Max-Forwards', '70');
    if (this.opts.userAgent && !h.has('user-agent')) h.append('User-Agent', this.opts.userAgent);
  }

  // ------------------------------------------------------------------ observability

  counters(): StackCounters {
    const t = this.transport.counters;
    const x = this.transactions.counters;
    const transports: Record<string, TransportCounters> = {};
    for (const tr of this.transport.list()) transports[`${tr.protocol}:${tr.local.address}:${tr.local.port}`] = { ...tr.counters };
    return {
      messagesIn: t.messagesIn,
      messagesOut: t.messagesOut,
      requestsIn: t.requestsIn,
      responsesIn: t.responsesIn,
      parseErrors: t.parseErrors,
      parseErrorReasons: { ...t.parseErrorReasons },
      badRequestsAnswered: t.badRequestsAnswered,
      invalidRequests: this.invalidRequests,
      responsesDropped: this.responsesDropped,
      retransmissionsAbsorbed: x.retransmissionsAbsorbed,
      retransmissionsSent: x.retransmissionsSent,
      serverTransactions: this.transactions.liveServer,
      clientTransactions: this.transactions.liveClient,
      serverTransactionsCreated: x.serverCreated,
      clientTransactionsCreated: x.clientCreated,
      acksMatched: x.acksMatched,
      cancelsMatched: x.cancelsMatched,
      cancelsUnmatched: x.cancelsUnmatched,
      strayResponses: x.strayResponses,
      strayAcks: x.strayAcks,
      sendErrors: t.sendErrors,
      unroutable: t.unroutable,
      transports,
    };
  }

  /** Idempotent: stops every transaction timer and closes every transport. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.transactions.close();
    await this.transport.close();
  }
}
