/**
 * Non-INVITE server transaction (NIST): RFC 3261 §17.2.2 (Figure 8).
 *
 *                                   |Request received
 *                                   |pass to TU
 *                                   V
 *                             +-----------+
 *                             |           |
 *                             | Trying    |-------------+
 *                             |           |             |
 *                             +-----------+             |200-699 from TU
 *                                   |                   |send response
 *                                   |1xx from TU        |
 *                                   |send response      |
 *                                   |                   |
 *                Request            V      1xx from TU  |
 *                send response+-----------+send response|
 *                    +--------|           |--------+    |
 *                    |        | Proceeding|        |    |
 *                    +------->|           |<-------+    |
 *             +<--------------|           |             |
 *             |Trnsprt Err    +-----------+             |
 *             |Inform TU            |                   |
 *             |                     |                   |
 *             |                     |200-699 from TU    |
 *             |                     |send response      |
 *             |  Request            V                   |
 *             |  send response+-----------+             |
 *             |      +--------|           |             |
 *             |      |        | Completed |<------------+
 *             |      +------->|           |
 *             +<--------------|           |
 *             |Trnsprt Err    +-----------+
 *             |Inform TU            |
 *             |                     |Timer J fires
 *             |                     |-
 *             |                     |
 *             |                     V
 *             |               +-----------+
 *             |               |           |
 *             +-------------->| Terminated|
 *                             |           |
 *                             +-----------+
 *
 * Retransmissions in Trying are absorbed silently (nothing to resend yet, §17.2.2). Final
 * responses after the first are ignored (the TU may not send two).
 */
import type { SipRequest, SipResponse } from '../message/types';
import { safeCall, TransactionBase, type Table, type TransactionContext } from './base';
import type { ServerTransactionEvents } from './types';

export type NistState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

export type NistInput =
  | { kind: 'request'; req: SipRequest }
  | { kind: 'tuProvisional'; res: SipResponse }
  | { kind: 'tuFinal'; res: SipResponse }
  | { kind: 'J' }
  | { kind: 'transportError'; err: Error };

type Self = ServerNonInviteTransaction;

function sendFinal(self: Self, i: { res: SipResponse }): void {
  self.state = 'Completed';
  self.transmit(i.res);
  if (self.terminated) return;
  // The owner may keep Completed in compact form (TransactionContext.keepCompleted).
  if (self.handOverCompleted()) return;
  self.startOrFireTimer('J', self.timers.J);
}

function transportError(self: Self, i: { err: Error }): void {
  self.end();
  safeCall(self.log, 'onFailure', self.events.onFailure && (() => self.events.onFailure!('transport', i.err)));
}

const TABLE: Table<NistState, NistInput, Self> = {
  Trying: {
    request: (self) => {
      self.absorbed++;
    },
    tuProvisional: (self, i) => {
      self.state = 'Proceeding';
      self.transmit(i.res);
    },
    tuFinal: sendFinal,
  },
  Proceeding: {
    request: (self) => {
      self.absorbed++;
      if (self.lastResponse) self.resend(self.lastResponse);
    },
    tuProvisional: (self, i) => self.transmit(i.res),
    tuFinal: sendFinal,
    transportError,
  },
  Completed: {
    request: (self) => {
      self.absorbed++;
      if (self.lastResponse) self.resend(self.lastResponse);
    },
    J: (self) => self.end(),
    transportError,
  },
};

export class ServerNonInviteTransaction extends TransactionBase<NistState, NistInput> {
  protected readonly terminatedState = 'Terminated' as const;
  lastResponse: SipResponse | undefined;
  absorbed = 0;
  events: ServerTransactionEvents = {};

  constructor(
    ctx: TransactionContext,
    readonly id: string,
    readonly request: SipRequest,
  ) {
    super(ctx, 'Trying');
  }

  get method(): string {
    return this.request.method;
  }

  protected table(): Table<NistState, NistInput, this> {
    return TABLE as Table<NistState, NistInput, this>;
  }

  start(): void {
    // Trying has no timers (§17.2.2).
  }

  respond(res: SipResponse): void {
    const s = res.status;
    if (s >= 100 && s < 200) this.handle({ kind: 'tuProvisional', res });
    else if (s >= 200 && s < 700) this.handle({ kind: 'tuFinal', res });
    else this.ignoredInputs++;
  }

  receive(req: SipRequest): void {
    this.handle({ kind: 'request', req });
  }

  get finalSent(): boolean {
    return this.state === 'Completed' || this.state === 'Terminated';
  }

  /** @internal table helpers */
  get log() {
    return this.ctx.log;
  }
  get timers() {
    return this.ctx.timers;
  }
  transmit(res: SipResponse): void {
    this.lastResponse = res;
    this.send(res);
  }
  resend(res: SipResponse): void {
    this.retransmit(res);
  }
  startOrFireTimer(name: NistInput['kind'], ms: number): void {
    this.startOrFire(name, ms);
  }
  /** True when the owner took the Completed state over: then terminated, without Timer J. */
  handOverCompleted(): boolean {
    if (!this.ctx.keepCompleted?.(this)) return false;
    this.terminate();
    return true;
  }
  end(): void {
    this.terminate();
    safeCall(this.log, 'onTerminated', this.events.onTerminated && (() => this.events.onTerminated!()));
  }
}
