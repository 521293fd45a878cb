/**
 * ServerTransaction: what the transaction user holds for a request it received. It wraps the
 * INVITE or non-INVITE server state machine and adds response building with one stable To tag per
 * transaction (RFC 3261 §8.2.6.2: every response of this UAS to this request carries the same tag,
 * so a provisional and the final response of an INVITE belong to the same dialog).
 */
import { createResponse } from '../message';
import type { SipRequest, SipResponse } from '../message/types';
import type { InboundEnvelope } from '../transport/transport-layer';
import type { ServerInviteTransaction } from './server-invite';
import type { ServerNonInviteTransaction } from './server-non-invite';
import { token } from '../../util/ids';
import type { ServerTransactionEvents } from './types';

export interface ReplyOptions {
  reason?: string;
  headers?: Array<[string, string]>;
  body?: Buffer;
  /** Override the transaction's To tag (rarely needed). */
  toTag?: string;
}

export class ServerTransaction {
  /** The To tag this transaction puts in its responses (unless the request already had one). */
  readonly toTag: string;

  constructor(
    readonly fsm: ServerInviteTransaction | ServerNonInviteTransaction,
    readonly envelope: InboundEnvelope,
  ) {
    this.toTag = token(6);
  }

  get id(): string {
    return this.fsm.id;
  }
  get method(): string {
    return this.fsm.method;
  }
  get request(): SipRequest {
    return this.fsm.request;
  }
  get state(): string {
    return this.fsm.state;
  }
  get terminated(): boolean {
    return this.fsm.terminated;
  }
  /** True once a final response went out (later finals are ignored by the state machine). */
  get finalSent(): boolean {
    return this.fsm.finalSent;
  }
  get lastResponse(): SipResponse | undefined {
    return this.fsm.lastResponse;
  }

  /** Send a response built by the caller through the state machine. */
  respond(res: SipResponse): void {
    this.fsm.respond(res);
  }

  /** Build (createResponse) and send a response; returns it. */
  reply(status: number, opts: ReplyOptions = {}): SipResponse {
    const res = createResponse(this.request, status, opts.reason, {
      toTag: status === 100 ? undefined : (opts.toTag ?? this.toTag),
      headers: opts.headers,
      body: opts.body,
    });
    this.respond(res);
    return res;
  }

  /**
   * Listen for timeout/transport failure, RFC 6026 ACKs in Accepted, termination. Handlers chain
   * after the ones already set; only the events someone listens to are wired (an INVITE
   * transaction whose owner does not listen for its termination can be kept in compact form).
   */
  setEvents(events: ServerTransactionEvents): void {
    const prev = this.fsm.events;
    const next: ServerTransactionEvents = {};
    if (prev.onFailure || events.onFailure) {
      next.onFailure = (r, e) => {
        prev.onFailure?.(r, e);
        events.onFailure?.(r, e);
      };
    }
    if (prev.onAckInAccepted || events.onAckInAccepted) {
      next.onAckInAccepted = (ack) => {
        prev.onAckInAccepted?.(ack);
        events.onAckInAccepted?.(ack);
      };
    }
    if (prev.onTerminated || events.onTerminated) {
      next.onTerminated = () => {
        prev.onTerminated?.();
        events.onTerminated?.();
      };
    }
    this.fsm.events = next;
  }
}
