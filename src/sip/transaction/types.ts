/**
 * Public shapes of the transaction layer: what the transaction user (SipStack's caller, later the
 * dialog layer and the sofia endpoint) sees of client and server transactions.
 */
import type { SipRequest, SipResponse } from '../message/types';

/** Callbacks up from a client transaction (habit 4). Each is optional; a throw is logged. */
export interface ClientTransactionCallbacks {
  /**
   * Every response the transaction passes to the TU: provisionals, the final response, and for
   * INVITE the 2xx retransmissions received in the Accepted state (RFC 6026 §8.4) so the UAC core
   * can re-ACK them.
   */
  onResponse?(res: SipResponse, tx: ClientTransactionView): void;
  /** Convenience split of onResponse: 100-199 (called after onResponse). */
  onProvisional?(res: SipResponse, tx: ClientTransactionView): void;
  /** Convenience split of onResponse: 200-699, including 2xx retransmissions in Accepted. */
  onFinal?(res: SipResponse, tx: ClientTransactionView): void;
  /** Timer B (INVITE) or Timer F (non-INVITE) fired: no final response (RFC 3261 §17.1.1.2, §17.1.2.2). */
  onTimeout?(tx: ClientTransactionView): void;
  /** The transport could not send the request (or the ACK) (§17.1.4). */
  onTransportError?(err: Error, tx: ClientTransactionView): void;
  onTerminated?(tx: ClientTransactionView): void;
}

export interface ClientTransactionView {
  readonly id: string;
  readonly method: string;
  readonly request: SipRequest;
  readonly state: string;
  readonly terminated: boolean;
  /** The last response passed up (undefined before the first). */
  readonly lastResponse: SipResponse | undefined;
}

/** Server-side callbacks the owner wires into a server transaction. */
export interface ServerTransactionEvents {
  /** Timer H fired without an ACK (§17.2.1), or a transport error (§17.2.4). */
  onFailure?(reason: 'timeout' | 'transport', err?: Error): void;
  /** RFC 6026: an ACK that matched the INVITE server transaction in the Accepted state. */
  onAckInAccepted?(ack: SipRequest): void;
  onTerminated?(): void;
}
