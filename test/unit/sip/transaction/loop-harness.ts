/**
 * A SipStack on a loop transport plus a raw peer that sends hand-written bytes and collects the
 * parsed replies: matching tests need control of every branch, Via and tag on the wire.
 */
import { FakeClock } from '../../../../src/util/clock';
import { logger } from '../../../../src/util/logger';
import { parseMessage } from '../../../../src/sip/message';
import type { SipMessage, SipRequest, SipResponse } from '../../../../src/sip/message/types';
import { SipStack, type SipStackOptions } from '../../../../src/sip/stack';
import { LoopNetwork, type LoopTransport } from '../../../../src/sip/transport/loop';
import type { TransportProtocol } from '../../../../src/sip/transport/types';

export interface RawPeer {
  transport: LoopTransport;
  got: SipMessage[];
  send(text: string | Buffer): void;
  responses(): SipResponse[];
  requests(): SipRequest[];
}

export function loopSetup(opts: { protocol?: TransportProtocol; stack?: Partial<SipStackOptions> } = {}) {
  const protocol = opts.protocol ?? 'UDP';
  const clock = new FakeClock();
  const net = new LoopNetwork(clock);
  const serverT = net.bind(protocol, '127.0.0.1', 5060);
  const stack = new SipStack({ clock, logger, transports: [serverT], ...opts.stack });
  const peerT = net.bind(protocol, '127.0.0.2', 5060);
  const peer: RawPeer = {
    transport: peerT,
    got: [],
    send(text) {
      peerT.send(typeof text === 'string' ? Buffer.from(text) : text, { protocol, address: '127.0.0.1', port: 5060 });
      clock.advance(0);
    },
    responses: () => peer.got.filter((m): m is SipResponse => m.type === 'response'),
    requests: () => peer.got.filter((m): m is SipRequest => m.type === 'request'),
  };
  peerT.setHandler({
    onFrame: (f) => {
      const r = parseMessage(f.data);
      if (r.ok) peer.got.push(r.msg);
    },
  });
  return { clock, net, stack, serverT, peer };
}

/** A request as raw text (CRLF line ends, Content-Length computed). */
export function raw(startLine: string, headers: Array<string | undefined>, body = ''): string {
  const lines = headers.filter((h): h is string => h !== undefined);
  return `${startLine}\r\n${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

export function inviteText(o: { branch?: string; sentBy?: string; toTag?: string; callId?: string; cseq?: number; method?: string } = {}): string {
  const method = o.method ?? 'INVITE';
  return raw(`${method} sip:bob@127.0.0.1 SIP/2.0`, [
    `Via: SIP/2.0/UDP ${o.sentBy ?? '127.0.0.2:5060'}${o.branch === '' ? '' : `;branch=${o.branch ?? 'z9hG4bKinv1'}`}`,
    'Max-Forwards: 70',
    'From: <sip:alice@127.0.0.2>;tag=a1',
    `To: <sip:bob@127.0.0.1>${o.toTag ? `;tag=${o.toTag}` : ''}`,
    `Call-ID: ${o.callId ?? 'call-1'}`,
    `CSeq: ${o.cseq ?? 1} ${method}`,
    'Contact: <sip:alice@127.0.0.2>',
  ]);
}

/** ACK/CANCEL for an INVITE sent with inviteText (same Call-ID, From, CSeq number). */
export function followUp(method: 'ACK' | 'CANCEL', o: { branch?: string; toTag?: string; callId?: string; cseq?: number } = {}): string {
  return raw(`${method} sip:bob@127.0.0.1 SIP/2.0`, [
    `Via: SIP/2.0/UDP 127.0.0.2:5060${o.branch === '' ? '' : `;branch=${o.branch ?? 'z9hG4bKinv1'}`}`,
    'Max-Forwards: 70',
    'From: <sip:alice@127.0.0.2>;tag=a1',
    `To: <sip:bob@127.0.0.1>${o.toTag ? `;tag=${o.toTag}` : ''}`,
    `Call-ID: ${o.callId ?? 'call-1'}`,
    `CSeq: ${o.cseq ?? 1} ${method}`,
  ]);
}
