/**
 * What the four transaction state machines share: a closed input set dispatched through a
 * transition table (architecture.md habit 2), named timers on an injected Clock, and a single
 * exit to "Terminated" that cancels every timer and tells the owner exactly once.
 *
 *   input ──▶ TABLE[state][input.kind] ──▶ action (may send, start/stop timers, change state)
 *             (no entry = no-op: a closed set of inputs, anything else is ignored)
 */
import type { Clock, TimerHandle } from '../../util/clock';
import type { Logger } from '../../util/logger';
import type { SipMessage, SipResponse } from '../message/types';
import type { TimerValues } from './timers';
import type { ClientTransactionCallbacks, ClientTransactionView } from './types';

/** What a transaction needs from its owner (the TransactionLayer). */
export interface TransactionContext {
  clock: Clock;
  timers: TimerValues;
  reliable: boolean;
  log: Logger;
  /** Hand a message to the transport; a failure comes back through onError (§17.1.4, §17.2.4). */
  send(msg: SipMessage, onError: (err: Error) => void): void;
  /** Called once when the transaction reaches Terminated (the owner forgets it). */
  onTerminated(tx: unknown): void;
  /** Counts request/response retransmissions sent by timers A, E, G (for stack counters). */
  onRetransmit?(): void;
  /**
   * A non-INVITE server transaction that just sent its final response asks whether its owner
   * keeps the Completed state itself (RFC 3261 §17.2.2: resend the final response on each
   * retransmission until Timer J). True: the transaction terminates at once instead of running
   * Timer J (the transaction layer keeps a compact record). Absent or false: the usual Completed.
   */
  keepCompleted?(tx: unknown): boolean;
  /**
   * An INVITE transaction that just entered Accepted (RFC 6026) asks whether its owner keeps the
   * Accepted state itself until Timer L (server: a compact record that absorbs retransmitted
   * INVITEs and matches ACKs and CANCELs) or Timer M (client: one that passes retransmitted 2xx
   * to the TU). True: the transaction does not start the timer; the owner feeds it `{kind: 'L'}`
   * / `{kind: 'M'}` at that time if it is still alive. Absent or false: the usual timer.
   */
  keepAccepted?(tx: unknown): boolean;
}

export type Input = { kind: string };

export type Table<S extends string, I extends Input, Self> = {
  [state in S]?: { [K in I['kind']]?: (self: Self, input: Extract<I, { kind: K }>) => void };
};

export abstract class TransactionBase<S extends string, I extends Input> {
  /** Running timers by name; created on the first timer (most server transactions start none). */
  private timerHandles: Map<string, TimerHandle> | undefined;
  private terminatedNotified = false;
  /** Inputs that found no table entry (tests assert "anything else is a no-op"). */
  ignoredInputs = 0;

  protected constructor(
    protected readonly ctx: TransactionContext,
    public state: S,
  ) {}

  protected abstract table(): Table<S, I, this>;
  protected abstract readonly terminatedState: S;

  /** Feed one input to the state machine. Unknown (state, input) pairs are no-ops. */
  handle(input: I): void {
    const row = this.table()[this.state];
    const action = row?.[input.kind as I['kind']] as ((self: this, input: I) => void) | undefined;
    if (!action) {
      this.ignoredInputs++;
      return;
    }
    action(this, input);
  }

  get terminated(): boolean {
    return this.state === this.terminatedState;
  }

  /** Start (or restart) a named timer that feeds `{kind: name}` into handle() when it fires. */
  protected startTimer(name: I['kind'], ms: number): void {
    this.stopTimer(name);
    const handle = this.ctx.clock.setTimeout(() => {
      this.timerHandles?.delete(name);
      this.handle({ kind: name } as I);
    }, ms);
    (this.timerHandles ??= new Map()).set(name, handle);
  }

  protected stopTimer(name: I['kind']): void {
    const h = this.timerHandles?.get(name);
    if (h) {
      h.cancel();
      this.timerHandles!.delete(name);
    }
  }

  /** Names of running timers (tests check which timers a state keeps). */
  runningTimers(): string[] {
    return this.timerHandles ? [...this.timerHandles.keys()].sort() : [];
  }

  /**
   * Wait-state timers (D, I, J, K) are zero on reliable transports: "fires immediately" means
   * the transaction terminates now rather than on a later tick.
   */
  protected startOrFire(name: I['kind'], ms: number): void {
    if (ms <= 0) this.handle({ kind: name } as I);
    else this.startTimer(name, ms);
  }

  protected send(msg: SipMessage): void {
    this.ctx.send(msg, (err) => this.handle({ kind: 'transportError', err } as unknown as I));
  }

  protected retransmit(msg: SipMessage): void {
    this.ctx.onRetransmit?.();
    this.send(msg);
  }

  /** Stop without telling the TU (stack shutdown): timers cancelled, owner notified. */
  dispose(): void {
    if (this.terminated) return;
    this.terminate();
  }

  /** Enter Terminated: cancel all timers, notify the owner once (the transaction is destroyed). */
  protected terminate(): void {
    this.state = this.terminatedState;
    if (this.timerHandles) {
      for (const h of this.timerHandles.values()) h.cancel();
      this.timerHandles.clear();
    }
    if (this.terminatedNotified) return;
    this.terminatedNotified = true;
    this.ctx.onTerminated(this);
  }
}

/** Pass a response to the client TU: onResponse, then onProvisional or onFinal. */
export function passUp(
  log: Logger,
  callbacks: ClientTransactionCallbacks,
  res: SipResponse,
  tx: ClientTransactionView,
): void {
  safeCall(log, 'onResponse', callbacks.onResponse && (() => callbacks.onResponse!(res, tx)));
  if (res.status < 200) safeCall(log, 'onProvisional', callbacks.onProvisional && (() => callbacks.onProvisional!(res, tx)));
  else safeCall(log, 'onFinal', callbacks.onFinal && (() => callbacks.onFinal!(res, tx)));
}

/** Run a TU callback without letting it unwind the state machine (habit 11). */
export function safeCall(log: Logger, what: string, fn: (() => void) | undefined): void {
  if (!fn) return;
  try {
    fn();
  } catch (err) {
    log.error({ err, what }, 'transaction user callback threw');
  }
}
