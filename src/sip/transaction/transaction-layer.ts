/**
 * TransactionLayer: owns every live transaction, matches incoming messages to them and hands the
 * rest up to the transaction user (TU).
 *
 *   request in ─▶ ACK? ─────▶ IST by key (§17.2.3; RFC 2543 fallback) ─▶ ist.receive / TU.onAck
 *              ─▶ CANCEL? ──▶ NIST for the CANCEL; INVITE found (§9.2) ─▶ 200 + TU.onCancel
 *                                                  not found ─▶ 481
 *              ─▶ matched ─▶ tx.receive (retransmission absorbed, last response resent)
 *              ─▶ matched a compact Completed NIST ─▶ its response bytes resent (§17.2.2)
 *              ─▶ new ─────▶ IST / NIST created ─▶ TU.onRequest(tx)
 *   NIST final response on UDP, nobody listening to its events ─▶ kept as bytes + target until
 *              Timer J (CompletedNist), the state machine and the parsed messages released
 *   IST 2xx (Accepted, RFC 6026), nobody listening for its termination ─▶ kept as a compact
 *              record until Timer L (AcceptedIst); the state machine lives on only while its TU
 *              holds it (weak reference), so a finished call is not kept alive for 64*T1
 *   response in ─▶ client tx by branch + CSeq method (§17.1.3) ─▶ tx.receive / TU.onStrayResponse
 *   ICT 2xx (Accepted) ─▶ kept as a compact record until Timer M (AcceptedIct): the TU's callbacks
 *              and the INVITE's bytes stay, the state machine and the parsed 2xx only while the
 *              TU holds it
 *   NICT final response on UDP, nobody waiting for onTerminated ─▶ a record of its key until
 *              Timer K (CompletedNict): late responses absorbed, the rest released
 * The records are in records.ts.
 *   TU.sendRequest ─▶ ICT / NICT, keyed by the branch of the top Via
 *
 * Validation of requests (validateRequest) and the UAS checks happen above, in SipStack.
 */
import type { Clock } from '../../util/clock';
import { StrowgerError } from '../../util/errors';
import type { Logger } from '../../util/logger';
import { token } from '../../util/ids';
import { flatCopy } from '../../util/strings';
import { createResponse, getCSeq, getToTag, getTopVia } from '../message';
import type { SipRequest, SipResponse } from '../message/types';
import { keepSent, type InboundEnvelope, type SentMessage, type TransportLayer } from '../transport/transport-layer';
import type { SendTarget } from '../transport/types';
import type { ResponseHint } from '../transport/via-routing';
import { passUp, safeCall, type TransactionContext } from './base';
import { ClientInviteTransaction } from './client-invite';
import { ClientNonInviteTransaction } from './client-non-invite';
import { ExpiryQueue } from './expiry-queue';
import { clientKey, clientKeyOfResponse, isRfc3261Branch, rfc2543AckKeys, serverKey, usesRfc2543Matching } from './keys';
import { make100Trying, makeNon2xxAck } from './messages';
import { ServerInviteTransaction } from './server-invite';
import { ServerNonInviteTransaction } from './server-non-invite';
import { ServerTransaction } from './server-transaction';
import { timerValues, type TimerConfig, type TimerValues } from './timers';
import { acceptedView, type AcceptedIct, type AcceptedIst, type CompletedNict, type CompletedNist } from './records';
import type { ClientTransactionCallbacks } from './types';

export type ClientTransaction = ClientInviteTransaction | ClientNonInviteTransaction;

export interface TransactionUser {
  onRequest(tx: ServerTransaction, req: SipRequest, env: InboundEnvelope): void;
  /** ACK that matched no transaction (ACK for a 2xx, §13.2.2.4), or one matched in Accepted (RFC 6026). */
  onAck(ack: SipRequest, env: InboundEnvelope, inviteTx?: ServerTransaction): void;
  /** A CANCEL matched an INVITE server transaction that has not sent a final response (§9.2). */
  onCancel(inviteTx: ServerTransaction, cancel: SipRequest, env: InboundEnvelope): void;
  /** A response that matched no client transaction. */
  onStrayResponse(res: SipResponse, env: InboundEnvelope): void;
}

export interface TransactionLayerCounters {
  serverCreated: number;
  clientCreated: number;
  /** Requests or responses that matched a live transaction and were absorbed. */
  retransmissionsAbsorbed: number;
  /** Retransmissions we sent (timers A, E, G, or a resend of the last response). */
  retransmissionsSent: number;
  /** ACKs that matched an INVITE server transaction (non-2xx ACKs, or RFC 6026 Accepted). */
  acksMatched: number;
  cancelsMatched: number;
  cancelsUnmatched: number;
  strayResponses: number;
  strayAcks: number;
  /** Requests refused because maxServerTransactions was reached (503). */
  overload: number;
  /** Completed non-INVITE server transactions kept in compact form (see CompletedNist). */
  compacted: number;
  /** Compact records dropped before Timer J because maxCompletedServerTransactions was reached. */
  compactEvicted: number;
}

export interface TransactionLayerOptions {
  clock: Clock;
  timers: TimerConfig;
  logger: Logger;
  transport: TransportLayer;
  /** 100 Trying delay for INVITE server transactions; 0 = immediately (default). */
  trying100DelayMs?: number;
  /**
   * Cap on live full server transactions (flood bound); excess requests get 503. Default 50000.
   * Compact Completed ones (CompletedNist) do not count: they have their own cap below.
   */
  maxServerTransactions?: number;
  /**
   * Cap on compact Completed non-INVITE transactions (CompletedNist). Beyond it the oldest is
   * dropped before its Timer J (a later retransmission of that request is then seen as new).
   * Default 400000 (12,500 transactions/s for 32 s).
   */
  maxCompletedServerTransactions?: number;
}

export class TransactionLayer {
  readonly counters: TransactionLayerCounters = {
    serverCreated: 0,
    clientCreated: 0,
    retransmissionsAbsorbed: 0,
    retransmissionsSent: 0,
    acksMatched: 0,
    cancelsMatched: 0,
    cancelsUnmatched: 0,
    strayResponses: 0,
    strayAcks: 0,
    overload: 0,
    compacted: 0,
    compactEvicted: 0,
  };
  private readonly servers = new Map<string, ServerTransaction>();
  /** Compact Completed NISTs by server key, in Timer J order (all share one J: insertion order). */
  private readonly completed: ExpiryQueue<CompletedNist>;
  /** Compact Accepted ISTs by server key, in Timer L order (all share one L: insertion order). */
  private readonly accepted: ExpiryQueue<AcceptedIst>;
  private readonly timersReliable: TimerValues;
  private readonly timersUnreliable: TimerValues;
  private readonly clients = new Map<string, ClientTransaction>();
  /** Compact Accepted ICTs by client key, in Timer M order. */
  private readonly acceptedClients: ExpiryQueue<AcceptedIct>;
  /** Compact Completed NICTs by client key, in Timer K order: late final responses are absorbed. */
  private readonly completedClients: ExpiryQueue<CompletedNict>;
  private tu: TransactionUser | undefined;
  private nextId = 1;
  private readonly log: Logger;
  private closed = false;

  constructor(private readonly opts: TransactionLayerOptions) {
    this.log = opts.logger.child({ mod: 'sip.transaction' });
    this.timersReliable = timerValues(opts.timers, true);
    this.timersUnreliable = timerValues(opts.timers, false);
    this.completed = new ExpiryQueue<CompletedNist>(opts.clock);
    this.accepted = new ExpiryQueue<AcceptedIst>(opts.clock, (rec) => {
      const fsm = rec.tx.deref()?.fsm;
      if (fsm instanceof ServerInviteTransaction) fsm.expireAccepted();
    });
    this.completedClients = new ExpiryQueue(opts.clock);
    this.acceptedClients = new ExpiryQueue<AcceptedIct>(opts.clock, (rec) => {
      const fsm = rec.tx.deref();
      if (fsm) fsm.expireAccepted();
      else if (rec.callbacks.onTerminated) {
        const cb = rec.callbacks.onTerminated;
        safeCall(this.log, 'onTerminated', () => cb(acceptedView(rec, undefined, true)));
      }
    });
  }

  setUser(tu: TransactionUser): void {
    this.tu = tu;
  }

  /** Live server transactions, compact Completed and Accepted ones included. */
  get liveServer(): number {
    return this.servers.size + this.completed.size + this.accepted.size;
  }
  /** Of liveServer, how many are compact Accepted INVITE transactions. */
  get liveCompactAccepted(): number {
    return this.accepted.size;
  }
  /** Of liveServer, how many are compact Completed non-INVITE transactions. */
  get liveCompactServer(): number {
    return this.completed.size;
  }
  get liveClient(): number {
    return this.clients.size + this.acceptedClients.size + this.completedClients.size;
  }

  /** Server transaction by the key of a request (tests, CANCEL helpers). */
  findServer(req: SipRequest): ServerTransaction | undefined {
    const key = serverKey(req, req.method === 'ACK' || req.method === 'CANCEL' ? 'INVITE' : req.method);
    return key ? (this.servers.get(key) ?? this.accepted.get(key)?.tx.deref()) : undefined;
  }

  private context(
    reliable: boolean,
    onTerminated: (tx: unknown) => void,
    send: TransactionContext['send'],
    keepCompleted?: TransactionContext['keepCompleted'],
    keepAccepted?: TransactionContext['keepAccepted'],
  ): TransactionContext {
    return {
      keepCompleted,
      keepAccepted,
      clock: this.opts.clock,
      timers: reliable ? this.timersReliable : this.timersUnreliable,
      reliable,
      log: this.log,
      send,
      onTerminated,
      onRetransmit: this.countRetransmission,
    };
  }

  /** One function for every context (no closure per transaction). */
  private readonly countRetransmission = (): void => {
    this.counters.retransmissionsSent++;
  };

  // ---------------------------------------------------------------- inbound requests

  handleRequest(req: SipRequest, env: InboundEnvelope): void {
    if (this.closed) return;
    if (req.method === 'ACK') return this.handleAck(req, env);
    const key = serverKey(req, req.method);
    if (key === undefined) {
      this.log.debug({ method: req.method }, 'request without matchable Via/Call-ID/CSeq dropped');
      return;
    }
    const existing = this.servers.get(key);
    if (existing) {
      this.counters.retransmissionsAbsorbed++;
      existing.fsm.receive(req);
      return;
    }
    const done = this.completed.size > 0 ? this.completed.get(key) : undefined;
    if (done) {
      // §17.2.2 Completed: "the server transaction MUST pass the final response to the transport
      // layer for retransmission whenever a retransmission of the request is received".
      this.counters.retransmissionsAbsorbed++;
      this.counters.retransmissionsSent++;
      this.opts.transport.resend(done, () => this.dropCompleted(key, done.id));
      return;
    }
    const acc = this.accepted.size > 0 ? this.accepted.get(key) : undefined;
    if (acc) {
      // RFC 6026 Accepted: a retransmitted INVITE is absorbed.
      this.counters.retransmissionsAbsorbed++;
      acc.tx.deref()?.fsm.receive(req);
      return;
    }
    if (req.method === 'CANCEL') return this.handleCancel(req, env, key);
    const tx = this.createServer(req, env, key);
    if (!tx) return;
    const tu = this.tu;
    if (!tu) {
      tx.reply(501, { reason: 'Not Implemented' });
      return;
    }
    try {
      tu.onRequest(tx, req, env);
    } catch (err) {
      this.log.error({ err, method: req.method }, 'onRequest threw; answering 500');
      if (!tx.finalSent) tx.reply(500, { reason: 'Server Internal Error' });
    }
  }

  /** Create and register a server transaction (or answer 503 when over the cap). */
  createServer(req: SipRequest, env: InboundEnvelope, key: string): ServerTransaction | undefined {
    const max = this.opts.maxServerTransactions ?? 50_000;
    if (this.servers.size >= max) {
      this.counters.overload++;
      this.sendStatelessReply(req, env, 503, 'Service Unavailable', [['Retry-After', '5']]);
      return undefined;
    }
    const reliable = this.reliableFor(env.transport);
    const id = `st${this.nextId++}`;
    const hint: ResponseHint = { protocol: env.transport, remote: env.remote, connectionId: env.connectionId };
    let wrapper: ServerTransaction | undefined;
    let lastSent: SentMessage | undefined;
    const invite = req.method === 'INVITE';
    // (Inline arrows: a named one costs an Object.defineProperty per call under tsx's keepNames.)
    const ctx = this.context(
      reliable,
      () => {
        if (this.servers.get(key) === wrapper) this.servers.delete(key);
      },
      (msg, onError) => {
        lastSent = this.opts.transport.sendResponse(msg as SipResponse, hint, (err) => {
          this.dropCompleted(key, id);
          onError(err);
        });
      },
      invite || reliable ? undefined : (tx) => lastSent !== undefined && this.keepCompleted(key, tx as ServerNonInviteTransaction, lastSent),
      invite ? (tx) => this.keepAccepted(key, wrapper, tx as ServerInviteTransaction) : undefined,
    );
    const fsm = invite
      ? new ServerInviteTransaction(ctx, id, req, { make100: make100Trying, trying100DelayMs: this.opts.trying100DelayMs })
      : new ServerNonInviteTransaction(ctx, id, req);
    wrapper = new ServerTransaction(fsm, env);
    const w = wrapper;
    if (fsm instanceof ServerInviteTransaction) {
      fsm.events = {
        onAckInAccepted: (ack) => this.tu?.onAck(ack, env, w),
      };
    }
    this.servers.set(key, wrapper);
    this.counters.serverCreated++;
    fsm.start();
    return wrapper;
  }

  /**
   * A NIST that just entered Completed on an unreliable transport becomes a CompletedNist (and
   * the state machine terminates without starting Timer J), unless its owner listens to its
   * events: then the full state machine keeps running and onTerminated / onFailure fire as the
   * FSM says.
   */
  private keepCompleted(key: string, fsm: ServerNonInviteTransaction, sent: SentMessage): boolean {
    if (fsm.events.onTerminated || fsm.events.onFailure) return false;
    const j = this.timersUnreliable.J;
    if (j <= 0 || this.closed) return false;
    const max = this.opts.maxCompletedServerTransactions ?? 400_000;
    while (this.completed.size >= max && this.completed.dropOldest()) this.counters.compactEvicted++;
    // A fresh flat copy of the key: the one built from the request is a tree of concatenated
    // strings whose branch part is a slice of the whole request text, which a 32 s record
    // would otherwise keep alive (measured: ~0.4 KB per record).
    // A whole-ms expiry stays a small integer.
    const record: CompletedNist = { ...keepSent(sent), id: fsm.id, expiresAt: Math.ceil(this.opts.clock.now() + j) };
    this.completed.add(flatCopy(key), record);
    this.counters.compacted++;
    return true;
  }

  /**
   * An IST that just entered Accepted becomes an AcceptedIst (the state machine does not start
   * Timer L) unless its owner listens for its termination, which must then happen on time.
   */
  private keepAccepted(key: string, w: ServerTransaction | undefined, fsm: ServerInviteTransaction): boolean {
    if (!w || this.closed || fsm.events.onTerminated || this.servers.get(key) !== w) return false;
    const l = fsm.timers.L;
    if (l <= 0) return false;
    this.servers.delete(key);
    const sent = fsm.lastResponse;
    const record: AcceptedIst = {
      id: fsm.id,
      toTag: w.toTag,
      sentTag: sent ? getToTag(sent) : undefined,
      expiresAt: Math.ceil(this.opts.clock.now() + l),
      tx: new WeakRef(w),
    };
    // A flat copy of the key (see keepCompleted): the record must not keep the request text.
    this.accepted.add(flatCopy(key), record);
    return true;
  }

  /** The Accepted record an ACK or CANCEL with this INVITE key matches. */
  private acceptedFor(key: string | undefined): AcceptedIst | undefined {
    return key !== undefined && this.accepted.size > 0 ? this.accepted.get(key) : undefined;
  }

  private dropCompleted(key: string, id: string): void {
    const rec = this.completed.get(key);
    if (rec && rec.id === id) this.completed.delete(key);
  }

  private handleAck(ack: SipRequest, env: InboundEnvelope): void {
    let tx: ServerTransaction | undefined;
    let acc: AcceptedIst | undefined;
    if (usesRfc2543Matching(ack)) {
      const keys = rfc2543AckKeys(ack);
      tx = keys.sameTag ? this.servers.get(keys.sameTag) : undefined;
      if (!tx) acc = this.acceptedFor(keys.sameTag);
      if (!tx && !acc && keys.noTag) {
        const candidate = this.servers.get(keys.noTag);
        const sentTag = candidate?.lastResponse ? getToTag(candidate.lastResponse) : undefined;
        if (candidate && sentTag !== undefined && sentTag === getToTag(ack)) tx = candidate;
        const rec = tx ? undefined : this.acceptedFor(keys.noTag);
        if (rec && rec.sentTag !== undefined && rec.sentTag === getToTag(ack)) acc = rec;
      }
    } else {
      const key = serverKey(ack, 'INVITE');
      tx = key ? this.servers.get(key) : undefined;
      if (!tx) acc = this.acceptedFor(key);
    }
    if (acc) {
      tx = acc.tx.deref();
      if (!tx) {
        // Accepted, the call already over: the ACK still goes to the TU (RFC 6026 §8.7).
        this.counters.acksMatched++;
        try {
          this.tu?.onAck(ack, env);
        } catch (err) {
          this.log.error({ err }, 'onAck threw');
        }
        return;
      }
    }
    if (tx && tx.fsm instanceof ServerInviteTransaction) {
      this.counters.acksMatched++;
      // A repeated ACK (Confirmed) is a retransmission the transaction absorbs.
      if (tx.fsm.state === 'Confirmed') this.counters.retransmissionsAbsorbed++;
      tx.fsm.receive(ack);
      return;
    }
    this.counters.strayAcks++;
    try {
      this.tu?.onAck(ack, env);
    } catch (err) {
      this.log.error({ err }, 'onAck threw');
    }
  }

  /** RFC 3261 §9.2: answer the CANCEL itself (200 or 481) and tell the TU about the INVITE. */
  private handleCancel(cancel: SipRequest, env: InboundEnvelope, cancelKey: string): void {
    const inviteKey = serverKey(cancel, 'INVITE');
    const invite = inviteKey ? this.servers.get(inviteKey) : undefined;
    const acc = invite ? undefined : this.acceptedFor(inviteKey);
    const tx = this.createServer(cancel, env, cancelKey);
    if (!tx) return;
    if (acc) {
      // The INVITE was answered 2xx (Accepted): the CANCEL has no effect but gets its 200 (§9.2).
      this.counters.cancelsMatched++;
      tx.reply(200, { toTag: acc.toTag });
      return;
    }
    if (!invite || !(invite.fsm instanceof ServerInviteTransaction)) {
      this.counters.cancelsUnmatched++;
      tx.reply(481, { reason: 'Call/Transaction Does Not Exist' });
      return;
    }
    this.counters.cancelsMatched++;
    // The 200 to the CANCEL carries the INVITE's To tag, so both belong to one dialog (§9.2).
    tx.reply(200, { toTag: invite.toTag });
    if (invite.finalSent) return;
    const tu = this.tu;
    try {
      if (tu) tu.onCancel(invite, cancel, env);
      else invite.reply(487, { reason: 'Request Terminated' });
    } catch (err) {
      this.log.error({ err }, 'onCancel threw; answering 487');
      if (!invite.finalSent) invite.reply(487, { reason: 'Request Terminated' });
    }
  }

  // ---------------------------------------------------------------- inbound responses

  handleResponse(res: SipResponse, env: InboundEnvelope): void {
    if (this.closed) return;
    const key = clientKeyOfResponse(res);
    let tx = key ? this.clients.get(key) : undefined;
    if (!tx && key !== undefined && this.acceptedClients.size > 0) {
      const acc = this.acceptedClients.get(key);
      if (acc) {
        tx = acc.tx.deref();
        if (!tx) {
          this.acceptedLate(acc, res);
          return;
        }
      }
    }
    if (!tx && key !== undefined && this.completedClients.size > 0 && this.completedClients.get(key)) {
      // §17.1.2.2 Completed: retransmitted responses are absorbed until Timer K.
      this.counters.retransmissionsAbsorbed++;
      return;
    }
    if (tx) {
      const before = tx.lastResponse;
      tx.receive(res);
      if (tx.lastResponse === before) this.counters.retransmissionsAbsorbed++;
      return;
    }
    this.counters.strayResponses++;
    try {
      this.tu?.onStrayResponse(res, env);
    } catch (err) {
      this.log.error({ err }, 'onStrayResponse threw');
    }
  }

  // ---------------------------------------------------------------- outbound

  /**
   * Start a client transaction for `req` toward `target` (control plane: throws StrowgerError
   * SIP_TRANSACTION for an ACK, a missing RFC 3261 branch or a duplicate branch).
   */
  sendRequest(req: SipRequest, target: SendTarget, callbacks: ClientTransactionCallbacks = {}): ClientTransaction {
    if (this.closed) throw new StrowgerError('SIP_TRANSACTION', 'transaction layer is closed');
    if (req.method === 'ACK') throw new StrowgerError('SIP_TRANSACTION', 'ACK is not sent in a transaction; use sendAck');
    const via = getTopVia(req);
    const branch = via?.params.find(([n]) => n.toLowerCase() === 'branch')?.[1] ?? undefined;
    if (!isRfc3261Branch(branch)) {
      throw new StrowgerError('SIP_TRANSACTION', 'request needs a top Via with an RFC 3261 branch (z9hG4bK...)');
    }
    const cseq = getCSeq(req);
    if (!cseq || cseq.method !== req.method) throw new StrowgerError('SIP_TRANSACTION', 'CSeq missing or its method differs');
    const key = clientKey(branch, req.method);
    if (this.clients.has(key)) throw new StrowgerError('SIP_TRANSACTION', `a client transaction with branch ${branch} exists`);
    const reliable = this.reliableFor(target.protocol);
    const id = `ct${this.nextId++}`;
    let tx: ClientTransaction | undefined;
    /** The request as last sent (an AcceptedIct keeps it). */
    let wire: SentMessage | undefined;
    const ctx = this.context(
      reliable,
      () => {
        if (this.clients.get(key) === tx) this.clients.delete(key);
      },
      (msg, onError) => {
        const sent = this.opts.transport.sendRequest(msg as SipRequest, target, onError);
        if (sent && msg === req) wire = sent;
      },
    );
    if (req.method === 'INVITE') ctx.keepAccepted = (t) => this.keepAcceptedClient(key, t as ClientInviteTransaction, wire);
    else if (!reliable) ctx.keepCompleted = (t) => this.keepCompletedClient(key, t as ClientNonInviteTransaction);
    tx =
      req.method === 'INVITE'
        ? new ClientInviteTransaction(ctx, id, req, callbacks, { makeAck: makeNon2xxAck })
        : new ClientNonInviteTransaction(ctx, id, req, callbacks);
    this.clients.set(key, tx);
    this.counters.clientCreated++;
    tx.start();
    return tx;
  }

  /**
   * An ICT that just entered Accepted becomes an AcceptedIct: the layer runs Timer M and holds the
   * state machine only weakly (its TU, the call, holds it while it needs it).
   */
  private keepAcceptedClient(key: string, fsm: ClientInviteTransaction, wire: SentMessage | undefined): boolean {
    if (this.closed || this.clients.get(key) !== fsm) return false;
    const m = fsm.timers.M;
    if (m <= 0) return false;
    this.clients.delete(key);
    const record: AcceptedIct = {
      id: fsm.id,
      sent: wire && keepSent(wire),
      request: wire ? undefined : fsm.request,
      callbacks: fsm.callbacks,
      expiresAt: Math.ceil(this.opts.clock.now() + m),
      tx: new WeakRef(fsm),
    };
    this.acceptedClients.add(key, record);
    return true;
  }

  /**
   * A NICT that just entered Completed on an unreliable transport with nobody waiting for its
   * onTerminated: the layer absorbs late final responses until Timer K with a record of its key,
   * and the state machine, request and response go now (a BYE's would otherwise stay 5 s).
   */
  private keepCompletedClient(key: string, fsm: ClientNonInviteTransaction): boolean {
    const k = this.timersUnreliable.K;
    if (fsm.callbacks.onTerminated || this.closed || k <= 0 || this.clients.get(key) !== fsm) return false;
    this.completedClients.add(key, { id: fsm.id, expiresAt: Math.ceil(this.opts.clock.now() + k) });
    return true;
  }

  /**
   * A 2xx for an Accepted ICT whose state machine is gone: what the state machine would do
   * (Accepted: 2xx to the TU), with a view of the transaction as it was.
   */
  private acceptedLate(acc: AcceptedIct, res: SipResponse): void {
    if (res.status < 200 || res.status >= 300) {
      this.counters.retransmissionsAbsorbed++;
      return;
    }
    passUp(this.log, acc.callbacks, res, acceptedView(acc, res, false));
  }

  /** Statelessly answer a request (no transaction): validation failures, overload. */
  sendStatelessReply(req: SipRequest, env: InboundEnvelope, status: number, reason?: string, headers?: Array<[string, string]>): void {
    if (req.method === 'ACK') return;
    let res: SipResponse;
    try {
      res = createResponse(req, status, reason, { toTag: token(6), headers });
    } catch (err) {
      this.log.debug({ err }, 'could not build a stateless response');
      return;
    }
    this.opts.transport.sendResponse(res, { protocol: env.transport, remote: env.remote, connectionId: env.connectionId });
  }

  private reliableFor(protocol: string): boolean {
    const t = this.opts.transport.list().find((x) => x.protocol === protocol);
    return t ? t.reliable : protocol === 'TCP';
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const tx of [...this.servers.values()]) tx.fsm.dispose();
    for (const rec of [...this.accepted.values()]) rec.tx.deref()?.fsm.dispose();
    for (const tx of [...this.clients.values()]) tx.dispose();
    for (const rec of [...this.acceptedClients.values()]) rec.tx.deref()?.dispose();
    this.acceptedClients.clear();
    this.completedClients.clear();
    this.servers.clear();
    this.clients.clear();
    this.completed.clear();
    this.accepted.clear();
  }
}
