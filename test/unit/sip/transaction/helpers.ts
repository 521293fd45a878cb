/** Shared fixtures for the transaction state machine tests: a fake context and message builders. */
import { FakeClock } from '../../../../src/util/clock';
import { logger } from '../../../../src/util/logger';
import { createRequest, createResponse } from '../../../../src/sip/message';
import type { SipMessage, SipRequest, SipResponse } from '../../../../src/sip/message/types';
import type { TransactionContext } from '../../../../src/sip/transaction/base';
import { timerValues, type TimerConfig } from '../../../../src/sip/transaction/timers';

export const TIMERS: TimerConfig = { T1: 500, T2: 4000, T4: 5000 };

export interface Harness {
  clock: FakeClock;
  ctx: TransactionContext;
  /** Every message handed to the transport, with the clock time. */
  sent: Array<{ at: number; msg: SipMessage }>;
  /** Make the next sends fail (the error is delivered through the onError callback). */
  failNext: (n?: number) => void;
  terminated: unknown[];
  retransmits: number;
}

export function harness(reliable: boolean, timers: TimerConfig = TIMERS): Harness {
  const clock = new FakeClock();
  let failing = 0;
  const h: Harness = {
    clock,
    sent: [],
    terminated: [],
    retransmits: 0,
    failNext: (n = 1) => {
      failing = n;
    },
    ctx: undefined as unknown as TransactionContext,
  };
  h.ctx = {
    clock,
    timers: timerValues(timers, reliable),
    reliable,
    log: logger,
    send: (msg, onError) => {
      if (failing > 0) {
        failing--;
        // Transport errors arrive asynchronously, like a socket callback.
        clock.setTimeout(() => onError(new Error('ENETUNREACH')), 0);
        return;
      }
      h.sent.push({ at: clock.now(), msg });
    },
    onTerminated: (tx) => {
      h.terminated.push(tx);
    },
    onRetransmit: () => {
      h.retransmits++;
    },
  };
  return h;
}

let seq = 1;

export function request(method: string, opts: { branch?: string; toTag?: string; body?: string } = {}): SipRequest {
  const n = seq++;
  return createRequest({
    method,
    uri: 'sip:bob@127.0.0.1:5060',
    headers: [
      ['Via', `SIP/2.0/UDP 127.0.0.1:5070;branch=${opts.branch ?? `z9hG4bKtest${n}`};rport`],
      ['Max-Forwards', '70'],
      ['From', '<sip:alice@127.0.0.1>;tag=from1'],
      ['To', `<sip:bob@127.0.0.1>${opts.toTag ? `;tag=${opts.toTag}` : ''}`],
      ['Call-ID', `call-${n}@test`],
      ['CSeq', `1 ${method}`],
      ...(opts.body ? ([['Content-Type', 'application/sdp']] as Array<[string, string]>) : []),
    ],
    body: opts.body ? Buffer.from(opts.body) : undefined,
  });
}

export function response(req: SipRequest, status: number, toTag = 'totag1'): SipResponse {
  return createResponse(req, status, undefined, { toTag: status === 100 ? undefined : toTag });
}

export function statusesSent(h: Harness): Array<number | string> {
  return h.sent.map((s) => (s.msg.type === 'response' ? s.msg.status : s.msg.method));
}
