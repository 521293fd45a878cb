/**
 * TransportLayer: the one object above the byte transports (RFC 3261 §18).
 *
 *   Transport.onFrame(bytes) ──▶ parseMessage ──┬─ ok request ──▶ stampReceived (§18.2.1) ──▶ receiver
 *                                               ├─ ok response ─────────────────────────────▶ receiver
 *                                               └─ failed ──▶ count reason; answerable request ──▶ 400
 *                                                             (reason phrase says what was wrong)
 *   sendRequest(req, target) / sendResponse(res, hint) ──▶ serialize ──▶ pick transport ──▶ send
 *
 * Data plane (habit 9): nothing here throws through the event loop. Unparseable input, send
 * failures, unroutable targets (hostnames: no resolver at this layer; broadcast) are counted and
 * logged at debug.
 */
import type { Clock } from '../../util/clock';
import { token } from '../../util/ids';
import type { Logger } from '../../util/logger';
import { createResponse, parseMessage, serialize } from '../message';
import type { SipMessage, SipRequest, SipResponse } from '../message/types';
import { ipFamily } from './ip-family';
import type { HostPort, ReceivedFrame, SendTarget, Transport, TransportProtocol } from './types';
import { responseTarget, stampReceived, topViaOf, type ResponseHint } from './via-routing';

export interface InboundEnvelope {
  msg: SipMessage;
  transport: TransportProtocol;
  local: HostPort;
  remote: HostPort;
  connectionId?: string;
  /** Clock time of arrival (ms). */
  receivedAt: number;
}

export type MessageReceiver = (msg: SipMessage, env: InboundEnvelope) => void;

/** What went on the wire: the serialized bytes and where they went. */
export interface SentMessage {
  bytes: Buffer;
  target: SendTarget;
}

/**
 * What a long-lived record keeps of a sent message to resend it (compact transactions, an ACK
 * for late 2xx): the bytes as latin1 text, one char per byte, so lossless. Not the Buffer:
 * serialize() cuts small messages from Node's 8 KiB allocation pool, and a slice kept for 32 s
 * keeps that whole pool and every other message in it (measured: 3.4 KB of pool per call,
 * ~110 MB of external memory at 1,000 calls/s).
 */
export interface KeptMessage {
  text: string;
  target: SendTarget;
}

export function keepSent(sent: SentMessage): KeptMessage {
  return { text: sent.bytes.toString('latin1'), target: sent.target };
}

export interface TransportLayerCounters {
  messagesIn: number;
  requestsIn: number;
  responsesIn: number;
  messagesOut: number;
  parseErrors: number;
  /** Parse failures by reason (at most MAX_REASONS distinct keys; the rest under 'other'). */
  parseErrorReasons: Record<string, number>;
  /** 400 (or 505 ...) sent for unparseable but answerable requests. */
  badRequestsAnswered: number;
  sendErrors: number;
  /** No usable destination: hostname without resolver, broadcast, no transport. */
  unroutable: number;
}

const MAX_REASONS = 64;

export interface TransportLayerOptions {
  clock: Clock;
  logger: Logger;
}

export class TransportLayer {
  readonly counters: TransportLayerCounters = {
    messagesIn: 0,
    requestsIn: 0,
    responsesIn: 0,
    messagesOut: 0,
    parseErrors: 0,
    parseErrorReasons: {},
    badRequestsAnswered: 0,
    sendErrors: 0,
    unroutable: 0,
  };
  private readonly transports: Transport[] = [];
  private receiver: MessageReceiver | undefined;
  private readonly log: Logger;
  private closed = false;

  constructor(private readonly opts: TransportLayerOptions) {
    this.log = opts.logger.child({ mod: 'sip.transport' });
  }

  add(t: Transport): void {
    this.transports.push(t);
    t.setHandler({ onFrame: (f) => this.onFrame(f) });
  }

  list(): readonly Transport[] {
    return this.transports;
  }

  setReceiver(r: MessageReceiver): void {
    this.receiver = r;
  }

  /** The transport used to send toward `target` (same protocol, same address family, preferring `local`). */
  pick(protocol: TransportProtocol, address: string, local?: HostPort): Transport | undefined {
    let fam = -1;
    let best: Transport | undefined;
    for (const t of this.transports) {
      if (t.protocol !== protocol) continue;
      if (local && t.local.address === local.address && t.local.port === local.port) return t;
      if (best) continue;
      if (fam === -1) fam = ipFamily(address);
      const tf = ipFamily(t.local.address);
      if (fam === 0 || tf === 0 || tf === fam) best = t;
    }
    return best;
  }

  private onFrame(f: ReceivedFrame): void {
    if (this.closed) return;
    let result;
    try {
      result = parseMessage(f.data);
    } catch (err) {
      // The parser must not throw; if it does, this datagram is dropped, not the process.
      this.countParseError('parser threw');
      this.log.error({ err }, 'parser threw');
      return;
    }
    const env: InboundEnvelope = {
      msg: undefined as unknown as SipMessage,
      transport: f.protocol,
      local: f.local,
      remote: f.remote,
      connectionId: f.connectionId,
      receivedAt: this.opts.clock.now(),
    };
    const hint: ResponseHint = { protocol: f.protocol, remote: f.remote, connectionId: f.connectionId };
    if (!result.ok) {
      this.countParseError(result.error);
      this.log.debug({ reason: result.error, from: `${f.remote.address}:${f.remote.port}`, proto: f.protocol }, 'unparseable message dropped');
      if (result.answerable && result.answerable.method !== 'ACK') {
        this.answerBad(result.answerable, result.status ?? 400, result.error, f, hint);
      }
      return;
    }
    const msg = result.msg;
    if (f.framingError !== undefined) {
      // The stream's framing is lost even though the header section parsed: answer, then the
      // transport closes the connection.
      this.countParseError(f.framingError);
      if (msg.type === 'request' && msg.method !== 'ACK') this.answerBad(msg, 400, f.framingError, f, hint);
      return;
    }
    this.counters.messagesIn++;
    env.msg = msg;
    if (msg.type === 'request') {
      this.counters.requestsIn++;
      stampReceived(msg, f.remote);
    } else {
      this.counters.responsesIn++;
    }
    const r = this.receiver;
    if (!r) return;
    try {
      r(msg, env);
    } catch (err) {
      this.log.error({ err }, 'message receiver threw');
    }
  }

  private answerBad(req: SipRequest, status: number, error: string, f: ReceivedFrame, hint: ResponseHint): void {
    let res: SipResponse;
    try {
      stampReceived(req, f.remote);
      res = createResponse(req, status, reasonFor(status, error), { toTag: token(4) });
    } catch (err) {
      this.log.debug({ err }, 'could not build an error response');
      return;
    }
    this.counters.badRequestsAnswered++;
    this.sendResponse(res, hint);
  }

  private countParseError(reason: string): void {
    this.counters.parseErrors++;
    const reasons = this.counters.parseErrorReasons;
    const key = reason in reasons || Object.keys(reasons).length < MAX_REASONS ? reason : 'other';
    reasons[key] = (reasons[key] ?? 0) + 1;
  }

  /**
   * Send a request toward an explicit target (§18.1.1). Errors come back through onError.
   * Returns what was handed to the transport, as sendTo.
   */
  sendRequest(req: SipRequest, target: SendTarget, onError?: (err: Error) => void): SentMessage | undefined {
    return this.sendTo(req, target, undefined, onError);
  }

  /**
   * Send a response where §18.2.2 / RFC 3581 say (see via-routing.ts). Returns the bytes and the
   * target when they were handed to a transport (undefined when not; onError then follows).
   */
  sendResponse(res: SipResponse, hint?: ResponseHint, onError?: (err: Error) => void): SentMessage | undefined {
    const target = responseTarget(
      topViaOf(res),
      hint,
      (protocol, id) => this.transports.some((t) => t.protocol === protocol && t.hasConnection?.(id) === true),
      (protocol, address, port) => {
        for (const t of this.transports) {
          if (t.protocol !== protocol) continue;
          const id = t.connectionTo?.(address, port);
          if (id) return id;
        }
        return undefined;
      },
    );
    if (!target) {
      this.fail(new Error('no route for response (no Via, no source)'), onError, true);
      return undefined;
    }
    return this.sendTo(res, target, undefined, onError);
  }

  /**
   * Serialize and send; every failure is counted and reported through onError. Returns what was
   * handed to the transport (undefined when nothing was).
   */
  sendTo(msg: SipMessage, target: SendTarget, local: HostPort | undefined, onError?: (err: Error) => void): SentMessage | undefined {
    if (this.closed) {
      this.fail(new Error('transport layer closed'), onError, false);
      return undefined;
    }
    const why = unroutableReason(target.address);
    if (why && !target.connectionId) {
      this.fail(new Error(`cannot send to ${target.address}: ${why}`), onError, true);
      return undefined;
    }
    const t = this.pick(target.protocol, target.address, local);
    if (!t) {
      this.fail(new Error(`no ${target.protocol} transport`), onError, true);
      return undefined;
    }
    let bytes: Buffer;
    try {
      bytes = serialize(msg);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)), onError, false);
      return undefined;
    }
    this.counters.messagesOut++;
    t.send(bytes, target, (err) => this.sendFailed(err, target, onError));
    return { bytes, target };
  }

  /**
   * Send a kept message again (a retransmission from a compact transaction record) to the same
   * target, over the same kind of transport.
   */
  resend(kept: KeptMessage, onError?: (err: Error) => void): void {
    if (this.closed) {
      this.fail(new Error('transport layer closed'), onError, false);
      return;
    }
    const target = kept.target;
    const t = this.pick(target.protocol, target.address);
    if (!t) {
      this.fail(new Error(`no ${target.protocol} transport`), onError, true);
      return;
    }
    this.counters.messagesOut++;
    t.send(Buffer.from(kept.text, 'latin1'), target, (err) => this.sendFailed(err, target, onError));
  }

  private sendFailed(err: Error, target: SendTarget, onError: ((err: Error) => void) | undefined): void {
    this.counters.sendErrors++;
    this.log.debug({ err: err.message, to: `${target.protocol}:${target.address}:${target.port}` }, 'send failed');
    onError?.(err);
  }

  /** Raw bytes (keep-alives, tests). */
  sendRaw(data: Buffer, target: SendTarget, onError?: (err: Error) => void): void {
    const t = this.pick(target.protocol, target.address);
    if (!t) {
      this.fail(new Error(`no ${target.protocol} transport`), onError, true);
      return;
    }
    t.send(data, target, onError);
  }

  private fail(err: Error, onError: ((err: Error) => void) | undefined, unroutable: boolean): void {
    if (unroutable) this.counters.unroutable++;
    else this.counters.sendErrors++;
    this.log.debug({ err: err.message }, 'message not sent');
    if (onError) queueMicrotask(() => onError(err));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.transports.map((t) => t.close()));
  }
}

/** Hostnames need RFC 3263 resolution, which this layer does not do; broadcast is never a target. */
function unroutableReason(address: string): string | undefined {
  const fam = ipFamily(address);
  if (fam === 0) return 'not an IP address (no resolver at the transport layer)';
  if (fam === 4) {
    if (address === '255.255.255.255' || address === '0.0.0.0') return 'broadcast/unspecified address';
    const first = Number(address.slice(0, address.indexOf('.')));
    if (first >= 224 && first <= 239) return 'multicast address';
  }
  return undefined;
}

/** A reason phrase that says what was wrong: printable ASCII only, bounded length. */
export function reasonFor(status: number, error: string): string {
  let detail = '';
  for (let i = 0; i < error.length && detail.length < 100; i++) {
    const c = error.charCodeAt(i);
    detail += c >= 0x20 && c < 0x7f ? error[i] : ' ';
  }
  detail = detail.trim();
  if (detail) return detail;
  return status === 505 ? 'Version Not Supported' : 'Bad Request';
}
