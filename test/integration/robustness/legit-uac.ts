/**
 * A well-behaved UDP UAC for the flood test: OPTIONS and digest-authenticated REGISTER, with the
 * RFC 3261 §17.1.2.2 non-INVITE client transaction's retransmissions (Timer E from T1 doubling up
 * to T2, give up at Timer F = 64·T1). A request "succeeds" when its final response arrives
 * before Timer F; the REGISTER path is REGISTER -> 401 -> REGISTER with credentials -> 200.
 */
import type { Socket as UdpSocket } from 'node:dgram';
import { answerChallenge } from '../../../src/sip/auth';
import { parseMessage, type SipResponse } from '../../../src/sip/message';
import { bindUdp } from './wire';

export interface UacTimers {
  T1: number;
  T2: number;
}

export interface Outcome {
  ok: boolean;
  status?: number;
  /** From the first send to the final response (for REGISTER: of the whole 401 + 200 exchange). */
  ms: number;
  retransmissions: number;
}

export class LegitUac {
  /** Datagrams sent, retransmissions included (for the server's receive accounting). */
  datagramsSent = 0;
  private seq = 0;
  private readonly waiting = new Map<string, (res: SipResponse) => void>();
  private constructor(private readonly sock: UdpSocket, private readonly server: { address: string; port: number }, private readonly timers: UacTimers) {
    sock.on('message', (m) => {
      const r = parseMessage(m);
      if (!r.ok || r.msg.type !== 'response' || r.msg.status < 200) return;
      const branch = viaBranch(r.msg);
      if (branch) this.waiting.get(branch)?.(r.msg);
    });
  }

  static async open(address: string, server: { address: string; port: number }, timers: UacTimers): Promise<LegitUac> {
    return new LegitUac(await bindUdp(address), server, timers);
  }

  private get local(): string {
    const a = this.sock.address();
    return `${a.address}:${a.port}`;
  }

  /** One non-INVITE client transaction: send, retransmit on Timer E, stop on a final response or Timer F. */
  private transact(build: (branch: string) => string): Promise<{ res?: SipResponse; retransmissions: number }> {
    const branch = `z9hG4bKlegit${++this.seq}x${Date.now()}`;
    const bytes = Buffer.from(build(branch), 'latin1');
    const { T1, T2 } = this.timers;
    return new Promise((done) => {
      let interval = T1;
      let retransmissions = 0;
      let timerE: NodeJS.Timeout;
      const send = () => {
        this.datagramsSent++;
        this.sock.send(bytes, this.server.port, this.server.address);
      };
      const finish = (res?: SipResponse) => {
        clearTimeout(timerE);
        clearTimeout(timerF);
        this.waiting.delete(branch);
        done({ res, retransmissions });
      };
      const retransmit = () => {
        retransmissions++;
        send();
        interval = Math.min(2 * interval, T2);
        timerE = setTimeout(retransmit, interval);
      };
      const timerF = setTimeout(() => finish(undefined), 64 * T1);
      this.waiting.set(branch, (res) => finish(res));
      send();
      timerE = setTimeout(retransmit, interval);
    });
  }

  private head(method: string, ruri: string, branch: string, callId: string, cseq: number, to: string): string {
    return (
      `${method} ${ruri} SIP/2.0\r\nVia: SIP/2.0/UDP ${this.local};branch=${branch};rport\r\nMax-Forwards: 70\r\n` +
      `From: ${to};tag=lg${this.seq}\r\nTo: ${to}\r\nCall-ID: ${callId}\r\nCSeq: ${cseq} ${method}\r\nUser-Agent: legit/1\r\n`
    );
  }

  async options(): Promise<Outcome> {
    const t0 = performance.now();
    const callId = `legit-opt-${this.seq + 1}-${Date.now()}`;
    const srv = `${this.server.address}:${this.server.port}`;
    const { res, retransmissions } = await this.transact((b) => `${this.head('OPTIONS', `sip:${srv}`, b, callId, 1, `<sip:legit@${srv}>`)}Content-Length: 0\r\n\r\n`);
    return { ok: res?.status === 200, status: res?.status, ms: performance.now() - t0, retransmissions };
  }

  async register(user: string, password: string, domain: string): Promise<Outcome> {
    const t0 = performance.now();
    const callId = `legit-reg-${this.seq + 1}-${Date.now()}`;
    const ruri = `sip:${domain}`;
    const to = `<sip:${user}@${domain}>`;
    const contact = `Contact: <sip:${user}@${this.local}>\r\nExpires: 300\r\n`;
    const first = await this.transact((b) => `${this.head('REGISTER', ruri, b, callId, 1, to)}${contact}Content-Length: 0\r\n\r\n`);
    let retransmissions = first.retransmissions;
    if (first.res?.status !== 401) return { ok: false, status: first.res?.status, ms: performance.now() - t0, retransmissions };
    const auth = answerChallenge({ challenge: first.res.headers.getAll('www-authenticate'), method: 'REGISTER', uri: ruri, username: user, password });
    const second = await this.transact(
      (b) => `${this.head('REGISTER', ruri, b, callId, 2, to)}${contact}Authorization: ${auth.header}\r\nContent-Length: 0\r\n\r\n`,
    );
    retransmissions += second.retransmissions;
    return { ok: second.res?.status === 200, status: second.res?.status, ms: performance.now() - t0, retransmissions };
  }

  close(): void {
    this.sock.close();
  }
}

function viaBranch(res: SipResponse): string | undefined {
  const via = res.headers.get('via') ?? '';
  const at = via.indexOf('branch=');
  if (at < 0) return undefined;
  let end = at + 7;
  while (end < via.length && via[end] !== ';' && via[end] !== ',' && via[end] !== ' ') end++;
  return via.slice(at + 7, end);
}
