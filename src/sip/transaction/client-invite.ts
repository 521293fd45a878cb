/**
 * INVITE client transaction (ICT): RFC 3261 §17.1.1 as amended by RFC 6026 §8.4 (Accepted, M).
 *
 *                                |INVITE from TU
 *              Timer A fires     |INVITE sent       Timer B fires
 *              Reset A,          V                  or Transport Err.
 *              INVITE sent +-----------+            inform TU
 *                +---------|           |---------------------------+
 *                |         |  Calling  |                           |
 *                +-------->|           |------------+              |
 *   300-699                +-----------+ 2xx        |              |
 *   ACK sent                  |  |       2xx to TU  |              |
 *   resp. to TU               |  |1xx               |              |
 *   +-------------------------+  |1xx to TU         |              |
 *   |                            V                  |              |
 *   |                1xx   +------------+           |              |
 *   |          1xx to TU +-|            |           |              |
 *   |                    +>| Proceeding |           |              |
 *   |                      +------------+           |              |
 *   |           300-699      |         |  2xx       |              |
 *   |           ACK sent,    |         |  2xx to TU |              |
 *   |           resp. to TU  |         |            |              |
 *   |                        V         V            V              |
 *   |                   +-----------+  +------------+              |
 *   +------------------>|           |  |            |-+ 2xx        |
 *                       | Completed |  |  Accepted  | | 2xx to TU  |
 *          300-699 +----|           |  |            |<+            |
 *          ACK sent+--->+-----------+  +------------+              |
 *                          |  Timer D        |  Timer M            |
 *                          |  or Transport   |                     |
 *                          |  Err. inform TU |                     |
 *                          V                 V                     |
 *                       +---------------------------+              |
 *                       |        Terminated         |<-------------+
 *                       +---------------------------+
 *
 * Decisions:
 * - Timer A runs only on unreliable transports and doubles without a cap (§17.1.1.2).
 * - A provisional response stops A and B (Figure 5 has no Timer B arc out of Proceeding); giving
 *   up on a ringing INVITE is the TU's job (it sends CANCEL, FreeSWITCH's originate timeout).
 * - The ACK for a 300-699 response is built here (§17.1.1.3) and resent for each retransmitted
 *   final response; the ACK for a 2xx is the TU's (UAC core), which sees every 2xx in Accepted.
 */
import type { SipRequest, SipResponse } from '../message/types';
import { passUp, safeCall, TransactionBase, type Table, type TransactionContext } from './base';
import type { ClientTransactionCallbacks, ClientTransactionView } from './types';

export type IctState = 'Calling' | 'Proceeding' | 'Completed' | 'Accepted' | 'Terminated';

export type IctInput =
  | { kind: 'provisional'; res: SipResponse }
  | { kind: 'success'; res: SipResponse }
  | { kind: 'failure'; res: SipResponse }
  | { kind: 'A' }
  | { kind: 'B' }
  | { kind: 'D' }
  | { kind: 'M' }
  | { kind: 'transportError'; err: Error };

type Self = ClientInviteTransaction;

function toTu(self: Self, res: SipResponse): void {
  self.lastResponse = res;
  passUp(self.log, self.callbacks, res, self);
}

function enterProceeding(self: Self, i: { res: SipResponse }): void {
  self.stopTimers('A', 'B');
  self.state = 'Proceeding';
  toTu(self, i.res);
}

function enterAccepted(self: Self, i: { res: SipResponse }): void {
  self.stopTimers('A', 'B');
  self.state = 'Accepted';
  if (!self.handOverAccepted()) self.arm('M', self.timers.M);
  toTu(self, i.res);
}

function enterCompleted(self: Self, i: { res: SipResponse }): void {
  self.stopTimers('A', 'B');
  self.state = 'Completed';
  self.sendAck(i.res);
  toTu(self, i.res);
  if (!self.terminated) self.startOrFireTimer('D', self.timers.D);
}

function timeout(self: Self): void {
  self.end();
  safeCall(self.log, 'onTimeout', self.callbacks.onTimeout && (() => self.callbacks.onTimeout!(self)));
}

function transportError(self: Self, i: { err: Error }): void {
  self.end();
  safeCall(self.log, 'onTransportError', self.callbacks.onTransportError && (() => self.callbacks.onTransportError!(i.err, self)));
}

const TABLE: Table<IctState, IctInput, Self> = {
  Calling: {
    A: (self) => {
      self.aInterval *= 2;
      self.resend();
      self.arm('A', self.aInterval);
    },
    B: timeout,
    provisional: enterProceeding,
    success: enterAccepted,
    failure: enterCompleted,
    transportError,
  },
  Proceeding: {
    provisional: (self, i) => toTu(self, i.res),
    success: enterAccepted,
    failure: enterCompleted,
    transportError,
  },
  Completed: {
    failure: (self, i) => {
      self.absorbed++;
      self.sendAck(i.res);
    },
    D: (self) => self.end(),
    transportError,
  },
  Accepted: {
    success: (self, i) => toTu(self, i.res),
    M: (self) => self.end(),
  },
};

export interface IctOptions {
  /** Build the ACK for a non-2xx final response (§17.1.1.3). */
  makeAck(invite: SipRequest, response: SipResponse): SipRequest;
}

export class ClientInviteTransaction extends TransactionBase<IctState, IctInput> implements ClientTransactionView {
  readonly method = 'INVITE';
  protected readonly terminatedState = 'Terminated' as const;
  lastResponse: SipResponse | undefined;
  /** Current Timer A interval. */
  aInterval: number;
  /** Retransmitted final responses absorbed in Completed. */
  absorbed = 0;
  private ack: SipRequest | undefined;

  constructor(
    ctx: TransactionContext,
    readonly id: string,
    readonly request: SipRequest,
    readonly callbacks: ClientTransactionCallbacks,
    private readonly options: IctOptions,
  ) {
    super(ctx, 'Calling');
    this.aInterval = ctx.timers.A;
  }

  protected table(): Table<IctState, IctInput, this> {
    return TABLE as Table<IctState, IctInput, this>;
  }

  get log() {
    return this.ctx.log;
  }
  get timers() {
    return this.ctx.timers;
  }

  /** Enter Calling: send the INVITE, start A (unreliable only) and B (§17.1.1.2). */
  start(): void {
    if (!this.ctx.reliable) this.startTimer('A', this.aInterval);
    this.startTimer('B', this.ctx.timers.B);
    this.send(this.request);
  }

  /** A response matched to this transaction (§17.1.3). */
  receive(res: SipResponse): void {
    const s = res.status;
    if (s >= 100 && s < 200) this.handle({ kind: 'provisional', res });
    else if (s >= 200 && s < 300) this.handle({ kind: 'success', res });
    else if (s >= 300 && s < 700) this.handle({ kind: 'failure', res });
    else this.ignoredInputs++;
  }

  /** @internal table helpers */
  resend(): void {
    this.retransmit(this.request);
  }
  arm(name: IctInput['kind'], ms: number): void {
    this.startTimer(name, ms);
  }
  stopTimers(...names: IctInput['kind'][]): void {
    for (const n of names) this.stopTimer(n);
  }
  startOrFireTimer(name: IctInput['kind'], ms: number): void {
    this.startOrFire(name, ms);
  }
  sendAck(res: SipResponse): void {
    // The same ACK for every retransmission of the final response (§17.1.1.3).
    if (!this.ack) this.ack = this.options.makeAck(this.request, res);
    this.send(this.ack);
  }
  end(): void {
    this.terminate();
    safeCall(this.log, 'onTerminated', this.callbacks.onTerminated && (() => this.callbacks.onTerminated!(this)));
  }
  /** True when the owner runs the Accepted state's Timer M for us (TransactionContext.keepAccepted). */
  handOverAccepted(): boolean {
    return this.ctx.keepAccepted !== undefined && this.ctx.keepAccepted(this);
  }
  /** Timer M, run by the owner that kept the Accepted state (no-op unless still Accepted). */
  expireAccepted(): void {
    this.handle({ kind: 'M' });
  }
}
