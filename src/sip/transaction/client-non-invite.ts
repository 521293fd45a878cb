/**
 * Non-INVITE client transaction (NICT): RFC 3261 §17.1.2 (Figure 6).
 *
 *                                    |Request from TU
 *                                    |send request
 *                Timer E             V
 *                send request  +-----------+
 *                    +---------|           |-------------------+
 *                    |         |  Trying   |  Timer F          |
 *                    +-------->|           |  or Transport Err.|
 *                              +-----------+  inform TU        |
 *                 200-699         |  |                         |
 *                 resp. to TU     |  |1xx                      |
 *                 +---------------+  |resp. to TU              |
 *                 |                  |                         |
 *                 |   Timer E        V       Timer F           |
 *                 |   send req +-----------+ or Transport Err. |
 *                 |  +---------|           | inform TU         |
 *                 |  |         |Proceeding |------------------>|
 *                 |  +-------->|           |-----+             |
 *                 |            +-----------+     |1xx          |
 *                 |              |      ^        |resp to TU   |
 *                 | 200-699      |      +--------+             |
 *                 | resp. to TU  |                             |
 *                 |              |                             |
 *                 |              V                             |
 *                 |            +-----------+                   |
 *                 |            |           |                   |
 *                 |            | Completed |                   |
 *                 |            |           |                   |
 *                 |            +-----------+                   |
 *                 |              ^   |                         |
 *                 |              |   | Timer K                 |
 *                 +--------------+   | -                       |
 *                                    |                         |
 *                                    V                         |
 *              NOTE:           +-----------+                   |
 *                              |           |                   |
 *          transitions         | Terminated|<------------------+
 *          labeled with        |           |
 *          the event           +-----------+
 *          over the action
 *          to take
 *
 * Timer E: T1, doubling up to T2 in Trying; T2 in Proceeding; unreliable transports only.
 * Responses retransmitted while Completed are absorbed (not passed up).
 */
import type { SipRequest, SipResponse } from '../message/types';
import { passUp, safeCall, TransactionBase, type Table, type TransactionContext } from './base';
import type { ClientTransactionCallbacks, ClientTransactionView } from './types';

export type NictState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

export type NictInput =
  | { kind: 'provisional'; res: SipResponse }
  | { kind: 'final'; res: SipResponse }
  | { kind: 'E' }
  | { kind: 'F' }
  | { kind: 'K' }
  | { kind: 'transportError'; err: Error };

type Self = ClientNonInviteTransaction;

const NO_CALLBACKS: ClientTransactionCallbacks = Object.freeze({});

function toTu(self: Self, res: SipResponse): void {
  self.lastResponse = res;
  passUp(self.log, self.callbacks, res, self);
}

function enterCompleted(self: Self, i: { res: SipResponse }): void {
  self.stopTimers('E', 'F');
  self.state = 'Completed';
  toTu(self, i.res);
  // Completed only absorbs retransmissions (§17.1.2.2): the TU hears nothing more but
  // onTerminated, so drop its other callbacks instead of keeping the TU alive until Timer K.
  self.keepOnlyOnTerminated();
  if (self.terminated) return;
  // The owner may keep Completed in compact form (TransactionContext.keepCompleted) when nobody
  // waits for onTerminated, which drops the request and response now.
  if (self.handOverCompleted()) return;
  self.startOrFireTimer('K', self.timers.K);
}

function timeout(self: Self): void {
  self.end();
  safeCall(self.log, 'onTimeout', self.callbacks.onTimeout && (() => self.callbacks.onTimeout!(self)));
}

function transportError(self: Self, i: { err: Error }): void {
  self.end();
  safeCall(self.log, 'onTransportError', self.callbacks.onTransportError && (() => self.callbacks.onTransportError!(i.err, self)));
}

const TABLE: Table<NictState, NictInput, Self> = {
  Trying: {
    E: (self) => {
      self.resend();
      self.eInterval = Math.min(2 * self.eInterval, self.timers.T2);
      self.arm('E', self.eInterval);
    },
    F: timeout,
    provisional: (self, i) => {
      self.state = 'Proceeding';
      toTu(self, i.res);
    },
    final: enterCompleted,
    transportError,
  },
  Proceeding: {
    E: (self) => {
      self.resend();
      self.eInterval = self.timers.T2;
      self.arm('E', self.eInterval);
    },
    F: timeout,
    provisional: (self, i) => toTu(self, i.res),
    final: enterCompleted,
    transportError,
  },
  Completed: {
    provisional: (self) => {
      self.absorbed++;
    },
    final: (self) => {
      self.absorbed++;
    },
    K: (self) => self.end(),
  },
};

export class ClientNonInviteTransaction extends TransactionBase<NictState, NictInput> implements ClientTransactionView {
  protected readonly terminatedState = 'Terminated' as const;
  lastResponse: SipResponse | undefined;
  eInterval: number;
  absorbed = 0;
  /** The TU's callbacks; only onTerminated is kept once the final response was passed up. */
  callbacks: ClientTransactionCallbacks;

  constructor(
    ctx: TransactionContext,
    readonly id: string,
    readonly request: SipRequest,
    callbacks: ClientTransactionCallbacks,
  ) {
    super(ctx, 'Trying');
    this.callbacks = callbacks;
    this.eInterval = ctx.timers.E;
  }

  get method(): string {
    return this.request.method;
  }

  protected table(): Table<NictState, NictInput, this> {
    return TABLE as Table<NictState, NictInput, this>;
  }

  get log() {
    return this.ctx.log;
  }
  get timers() {
    return this.ctx.timers;
  }

  /** Enter Trying: send the request, start E (unreliable only) and F (§17.1.2.2). */
  start(): void {
    if (!this.ctx.reliable) this.startTimer('E', this.eInterval);
    this.startTimer('F', this.ctx.timers.F);
    this.send(this.request);
  }

  receive(res: SipResponse): void {
    const s = res.status;
    if (s >= 100 && s < 200) this.handle({ kind: 'provisional', res });
    else if (s >= 200 && s < 700) this.handle({ kind: 'final', res });
    else this.ignoredInputs++;
  }

  /** @internal table helpers */
  resend(): void {
    this.retransmit(this.request);
  }
  keepOnlyOnTerminated(): void {
    const t = this.callbacks.onTerminated;
    this.callbacks = t ? { onTerminated: t } : NO_CALLBACKS;
  }
  arm(name: NictInput['kind'], ms: number): void {
    this.startTimer(name, ms);
  }
  stopTimers(...names: NictInput['kind'][]): void {
    for (const n of names) this.stopTimer(n);
  }
  startOrFireTimer(name: NictInput['kind'], ms: number): void {
    this.startOrFire(name, ms);
  }
  /** True when the owner took the Completed state over (absorbing late responses until Timer K): then terminated. */
  handOverCompleted(): boolean {
    if (!this.ctx.keepCompleted?.(this)) return false;
    this.terminate();
    return true;
  }
  end(): void {
    this.terminate();
    safeCall(this.log, 'onTerminated', this.callbacks.onTerminated && (() => this.callbacks.onTerminated!(this)));
  }
}
