/**
 * The compact forms the transaction layer keeps of transactions whose state machines are done
 * or no longer held (transaction-layer.ts): what each record needs for the rest of its state and
 * nothing more, so tens of thousands of them (32 s of traffic) cost little memory and no timers.
 */
import { StrowgerError } from '../../util/errors';
import { parseMessage } from '../message';
import type { SipRequest, SipResponse } from '../message/types';
import type { KeptMessage } from '../transport/transport-layer';
import type { ClientInviteTransaction } from './client-invite';
import type { ServerTransaction } from './server-transaction';
import type { ClientTransactionCallbacks, ClientTransactionView } from './types';

/**
 * A non-INVITE server transaction in the Completed state on an unreliable transport, reduced to
 * what that state does (RFC 3261 §17.2.2): answer each retransmission of the request with the
 * same final response until Timer J (64*T1) fires. The state machine object, the parsed request
 * and the response are released; only the bytes sent and their target stay. Used when nobody
 * listens to the transaction's events, so nothing observable changes but memory: at 5,000
 * REGISTERs/s, 32 s of Completed transactions is 320,000 of them.
 */
export interface CompletedNist extends KeptMessage {
  /** Id of the transaction it replaced (a late send error of its final response drops it). */
  id: string;
  /** Clock time (ms, whole) when Timer J fires. */
  expiresAt: number;
}

/**
 * An INVITE server transaction in Accepted (RFC 6026 §8.4), reduced to what the layer needs for
 * Timer L: absorb retransmitted INVITEs, match ACKs (to the TU) and CANCELs (200 with the To tag).
 * The state machine is held weakly: while the TU (the call) keeps it, every input still reaches
 * it and Timer L still ends it; once the call is over it is garbage, and only this record stays.
 */
export interface AcceptedIst {
  id: string;
  /** The transaction's To tag (CANCEL's 200) and the one its 2xx carried (RFC 2543 ACK matching). */
  toTag: string;
  sentTag: string | undefined;
  /** Clock time (ms, whole) when Timer L fires. */
  expiresAt: number;
  tx: WeakRef<ServerTransaction>;
}

/**
 * An INVITE client transaction in Accepted (RFC 6026 §8.4), reduced to what the layer needs for
 * Timer M: every retransmitted 2xx goes to the TU's onFinal (the UAC core ACKs it, §13.2.2.4).
 * The state machine is held weakly, as for AcceptedIst.
 */
export interface AcceptedIct {
  id: string;
  /**
   * The INVITE as sent, parsed again only when a TU reads the view's request. Holding the request
   * object itself for Timer M (32 s) kept its header values, which slice and concatenate the
   * texts of other messages, and its body's allocation pool alive.
   */
  sent: KeptMessage | undefined;
  /** The request itself, when its bytes were not captured (nothing was sent). */
  request: SipRequest | undefined;
  callbacks: ClientTransactionCallbacks;
  expiresAt: number;
  tx: WeakRef<ClientInviteTransaction>;
}

/**
 * A non-INVITE client transaction in Completed on an unreliable transport whose TU waits for
 * nothing more (no onTerminated), reduced to its key in the queue: late final responses are
 * absorbed until Timer K (§17.1.2.2), the state machine, request and response are released.
 */
export interface CompletedNict {
  id: string;
  /** Clock time (ms, whole) when Timer K fires. */
  expiresAt: number;
}

/** What a TU sees of an Accepted ICT whose state machine is gone (ClientTransactionView). */
export function acceptedView(acc: AcceptedIct, last: SipResponse | undefined, terminated: boolean): ClientTransactionView {
  return {
    id: acc.id,
    method: 'INVITE',
    get request(): SipRequest {
      return (acc.request ??= reparse(acc.sent!.text));
    },
    state: terminated ? 'Terminated' : 'Accepted',
    terminated,
    lastResponse: last,
  };
}

/** The request an AcceptedIct sent, from its wire text (it parsed when we built it). */
function reparse(wire: string): SipRequest {
  const r = parseMessage(Buffer.from(wire, 'latin1'));
  if (!r.ok || r.msg.type !== 'request') throw new StrowgerError('SIP_TRANSACTION', 'the INVITE of an accepted transaction no longer parses');
  return r.msg;
}
