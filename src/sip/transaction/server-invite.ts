/**
 * INVITE server transaction (IST): RFC 3261 §17.2.1 as amended by RFC 6026 §7.1/§8.5-8.7
 * (Accepted state, Timer L).
 *
 *                                     |INVITE
 *                                     |pass INV to TU
 *                  INVITE             V send 100 (see below)
 *                  send response+------------+
 *                      +--------|            |--------+ 101-199 from TU
 *                      |        |            |        | send response
 *                      +------->|            |<-------+
 *                               | Proceeding |
 *                               |            |--------+ Transport Err.
 *                               |            |        | Inform TU
 *                               |            |<-------+   (-> Terminated)
 *                               +------------+
 *                  300-699 from TU |    |2xx from TU
 *                  send response   |    |send response
 *                   +--------------+    +------------+
 *                   |                                |
 *  INVITE           V          Timer G fires         |
 *  send response +-----------+ send response         |
 *       +--------|           |--------+              |
 *       |        |           |        |              |
 *       +------->| Completed |<-------+      INVITE  |  Transport Err.
 *                |           |               -       |  Inform TU
 *       +--------|           |----+          +-----+ |  +---+
 *       |        +-----------+    | ACK      |     v v  |   v
 *       |          ^   |          | -        |  +------------+
 *       |          |   |          |          |  |            |---+ ACK
 *       +----------+   |          |          +--|  Accepted  |   | to TU
 *       Transport Err. |          |             |            |<--+
 *       Inform TU      |          V             +------------+
 *                      |      +-----------+        |  ^     |
 *                      |      |           |        |  |     |
 *                      |      | Confirmed |        |  +-----+
 *                      |      |           |        |  2xx from TU
 *        Timer H fires |      +-----------+        |  send response
 *        -             |          |                |
 *                      |          | Timer I fires  |
 *                      |          | -              | Timer L fires
 *                      |          V                | -
 *                      |        +------------+     |
 *                      |        |            |     |
 *                      +------->| Terminated |<----+
 *                               |            |
 *                               +------------+
 *
 * Decisions:
 * - 100 Trying: sent immediately when the transaction is created (trying100DelayMs = 0, the
 *   default), as FreeSWITCH does (auto-invite-100); with a positive delay it is sent only if the
 *   TU has not responded by then (§17.2.1 "within 200 ms"). The 100 carries no To tag (§8.2.6.1).
 * - Timer G runs only on unreliable transports; H always; I is zero on reliable ones.
 * - In Accepted the transaction never retransmits the 2xx itself (the TU does, §13.3.1.4);
 *   retransmitted INVITEs are absorbed; an ACK that matches is passed to the TU (RFC 6026 §8.7).
 * - Transport error in Proceeding/Completed terminates and informs the TU; in Accepted it only
 *   informs the TU (RFC 6026 Figure 7).
 */
import type { SipRequest, SipResponse } from '../message/types';
import { safeCall, TransactionBase, type Table, type TransactionContext } from './base';
import type { ServerTransactionEvents } from './types';

export type IstState = 'Proceeding' | 'Completed' | 'Confirmed' | 'Accepted' | 'Terminated';

export type IstInput =
  | { kind: 'request'; req: SipRequest }
  | { kind: 'ack'; req: SipRequest }
  | { kind: 'tuProvisional'; res: SipResponse }
  | { kind: 'tuSuccess'; res: SipResponse }
  | { kind: 'tuFailure'; res: SipResponse }
  | { kind: 'trying' }
  | { kind: 'G' }
  | { kind: 'H' }
  | { kind: 'I' }
  | { kind: 'L' }
  | { kind: 'transportError'; err: Error };

type Self = ServerInviteTransaction;

function resendLast(self: Self): void {
  self.absorbed++;
  if (self.lastResponse) self.resend(self.lastResponse);
}

function sendFinalFailure(self: Self, i: { res: SipResponse }): void {
  self.stopTimers('trying');
  self.state = 'Completed';
  self.transmit(i.res);
  if (!self.ctxReliable) self.arm('G', self.gInterval);
  self.arm('H', self.timers.H);
}

function sendSuccess(self: Self, i: { res: SipResponse }): void {
  self.stopTimers('trying');
  self.state = 'Accepted';
  self.transmit(i.res);
  if (!self.handOverAccepted()) self.arm('L', self.timers.L);
}

function failAndTerminate(self: Self, reason: 'timeout' | 'transport', err?: Error): void {
  self.end();
  safeCall(self.log, 'onFailure', self.events.onFailure && (() => self.events.onFailure!(reason, err)));
}

const TABLE: Table<IstState, IstInput, Self> = {
  Proceeding: {
    request: resendLast,
    trying: (self) => {
      if (!self.lastResponse) self.transmit(self.make100());
    },
    tuProvisional: (self, i) => {
      self.stopTimers('trying');
      self.transmit(i.res);
    },
    tuSuccess: sendSuccess,
    tuFailure: sendFinalFailure,
    transportError: (self, i) => failAndTerminate(self, 'transport', i.err),
  },
  Completed: {
    request: resendLast,
    G: (self) => {
      self.gInterval = Math.min(2 * self.gInterval, self.timers.T2);
      if (self.lastResponse) self.resend(self.lastResponse);
      self.arm('G', self.gInterval);
    },
    H: (self) => failAndTerminate(self, 'timeout'),
    ack: (self) => {
      self.stopTimers('G', 'H');
      self.state = 'Confirmed';
      self.startOrFireTimer('I', self.timers.I);
    },
    transportError: (self, i) => failAndTerminate(self, 'transport', i.err),
  },
  Confirmed: {
    ack: (self) => {
      self.absorbed++;
    },
    request: (self) => {
      self.absorbed++;
    },
    I: (self) => self.end(),
  },
  Accepted: {
    request: (self) => {
      self.absorbed++;
    },
    tuSuccess: (self, i) => self.transmit(i.res),
    ack: (self, i) => safeCall(self.log, 'onAckInAccepted', self.events.onAckInAccepted && (() => self.events.onAckInAccepted!(i.req))),
    transportError: (self, i) =>
      safeCall(self.log, 'onFailure', self.events.onFailure && (() => self.events.onFailure!('transport', i.err))),
    L: (self) => self.end(),
  },
};

export interface IstOptions {
  /** Build the 100 Trying for this INVITE (no To tag, §8.2.6.1). */
  make100(invite: SipRequest): SipResponse;
  /** 0 (default): send 100 Trying at once; > 0: only if the TU is silent that long. */
  trying100DelayMs?: number;
}

export class ServerInviteTransaction extends TransactionBase<IstState, IstInput> {
  readonly method = 'INVITE';
  protected readonly terminatedState = 'Terminated' as const;
  lastResponse: SipResponse | undefined;
  gInterval: number;
  /** Retransmitted INVITEs / ACKs absorbed. */
  absorbed = 0;
  events: ServerTransactionEvents = {};

  constructor(
    ctx: TransactionContext,
    readonly id: string,
    readonly request: SipRequest,
    private readonly options: IstOptions,
  ) {
    super(ctx, 'Proceeding');
    this.gInterval = ctx.timers.G;
  }

  protected table(): Table<IstState, IstInput, this> {
    return TABLE as Table<IstState, IstInput, this>;
  }

  /** Called once by the owner after the TU has been told about the INVITE (or before: see §17.2.1). */
  start(): void {
    const delay = this.options.trying100DelayMs ?? 0;
    if (delay <= 0) this.handle({ kind: 'trying' });
    else this.startTimer('trying', delay);
  }

  /** The TU sends a response through the transaction (§17.2.1). Ignored once final-ized. */
  respond(res: SipResponse): void {
    const s = res.status;
    if (s >= 100 && s < 200) this.handle({ kind: 'tuProvisional', res });
    else if (s >= 200 && s < 300) this.handle({ kind: 'tuSuccess', res });
    else if (s >= 300 && s < 700) this.handle({ kind: 'tuFailure', res });
    else this.ignoredInputs++;
  }

  /** A retransmitted INVITE or an ACK matched to this transaction (§17.2.3). */
  receive(req: SipRequest): void {
    if (req.method === 'ACK') this.handle({ kind: 'ack', req });
    else this.handle({ kind: 'request', req });
  }

  /** True once a final response has been sent. */
  get finalSent(): boolean {
    return this.state !== 'Proceeding';
  }

  /** @internal table helpers */
  get log() {
    return this.ctx.log;
  }
  get timers() {
    return this.ctx.timers;
  }
  get ctxReliable(): boolean {
    return this.ctx.reliable;
  }
  make100(): SipResponse {
    return this.options.make100(this.request);
  }
  transmit(res: SipResponse): void {
    this.lastResponse = res;
    this.send(res);
  }
  resend(res: SipResponse): void {
    this.retransmit(res);
  }
  arm(name: IstInput['kind'], ms: number): void {
    this.startTimer(name, ms);
  }
  stopTimers(...names: IstInput['kind'][]): void {
    for (const n of names) this.stopTimer(n);
  }
  startOrFireTimer(name: IstInput['kind'], ms: number): void {
    this.startOrFire(name, ms);
  }
  end(): void {
    this.terminate();
    safeCall(this.log, 'onTerminated', this.events.onTerminated && (() => this.events.onTerminated!()));
  }
  /** True when the owner runs the Accepted state's Timer L for us (TransactionContext.keepAccepted). */
  handOverAccepted(): boolean {
    return this.state === 'Accepted' && this.ctx.keepAccepted !== undefined && this.ctx.keepAccepted(this);
  }
  /** Timer L, run by the owner that kept the Accepted state (no-op unless still Accepted). */
  expireAccepted(): void {
    this.handle({ kind: 'L' });
  }
}
